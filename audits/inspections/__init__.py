"""Recurring checks: schedules per site (daily showroom walks, weekly workshop 5S), each
occurrence a short inspection with its checklist snapshot, done on a tablet; failed points
raise a nonconformity. Occurrences are created by ``dealerqms tick`` in the site's time zone."""

# Here, not in the services: the plugin registers the KPI at start-up without loading them.
COMPLETION_METRIC = "audits.inspection_completion"
