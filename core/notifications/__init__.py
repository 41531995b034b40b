"""Notifications: in the app at once, by e-mail after the commit, in the recipient's language,
as often as they chose (``register_notification_kinds``, ``notify``, ``dealerqms tick``)."""
