"""Form submissions: plugin-defined forms rendered, validated and stored by the core.

One definition (:class:`core.plugins.Form`) drives the web form, the JSON
schema of ``GET /api/v1/forms/{key}`` and the validation of API submissions,
all through :func:`core.forms.forms.form_class` (WTForms).
"""
