"""The task inbox: the work waiting for each user, contributed by every area through the
``user_tasks`` hook."""
