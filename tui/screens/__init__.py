"""Screens: the review screen (main), and modals for help, rewrite, file paths and confirmations."""
