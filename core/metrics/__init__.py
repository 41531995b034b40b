"""KPIs: plugin-defined metrics, measurements per site and period, targets,
RAG status, charts and the dashboard's KPI tiles."""
