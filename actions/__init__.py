"""Custom actions run by the rasa-sdk action server (``python -m rasa_sdk --actions actions``).

The server imports every module in this package and instantiates each ``Action`` subclass; the
delivery journeys' actions arrive with the next issue.
"""
