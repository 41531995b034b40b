"""A plugin as a third party would write it: forms, metrics and an NPS computed
over a satisfaction survey. Shared by the forms, metrics and browser tests."""

from core.plugins import Field, Form, Metric, hookimpl

SURVEY = Form(
    key="sample.survey",
    title="Customer satisfaction survey",
    version=1,
    area="AFTERSALES",
    fields=[
        Field(key="score", label="How likely are you to recommend us?", type="rating", scale=(0, 10), required=True),
        Field(key="comment", label="Comment", type="textarea"),
    ],
)

INSPECTION = Form(
    key="sample.inspection",
    title="Vehicle inspection",
    version=1,
    fields=[
        Field(key="customer", label="Customer", type="text", required=True),
        Field(key="notes", label="Notes", type="textarea"),
        Field(key="mileage", label="Mileage", type="integer", min=0, max=2000000, required=True),
        Field(key="hours", label="Labour hours", type="decimal", min=0, max=99.5),
        Field(key="delivered_on", label="Delivered on", type="date"),
        Field(key="appointment", label="Appointment", type="datetime"),
        Field(
            key="severity", label="Severity", type="select", choices=[("low", "Low"), ("high", "High")], required=True
        ),
        Field(key="areas", label="Areas", type="multiselect", choices=["paint", "engine", "tyres"]),
        Field(key="complaint", label="Did the customer complain?", type="boolean", required=True),
        Field(key="complaint_text", label="What about?", type="text", required=True, visible_when=("complaint", True)),
        Field(key="rating", label="Rating", type="rating", scale=(1, 5)),
        Field(key="email", label="E-mail", type="email"),
        Field(key="phone", label="Telephone", type="phone"),
        Field(key="vin", label="VIN", type="vin", required=True),
        Field(
            key="whys",
            label="Five whys",
            type="group",
            max=5,
            fields=[
                Field(key="why", label="Why?", type="text", required=True),
                Field(key="because", label="Because", type="text"),
            ],
        ),
    ],
)

SURVEY_NPS = Metric(
    key="sample.nps",
    name="Net promoter score",
    unit="",
    direction="higher",
    target=50,
    warning=30,
    computed=True,
    area="AFTERSALES",
    formula="% promoters − % detractors",
)
FIRST_TIME_FIX = Metric(
    key="sample.first_time_fix",
    name="First-time fix rate",
    unit="%",
    direction="higher",
    target=90,
    warning=85,
    area="AFTERSALES",
)
LEAD_RESPONSE = Metric(
    key="sample.lead_response",
    name="Lead response time",
    unit="min",
    direction="lower",
    target=30,
    warning=60,
    area="SALES",
)


def net_promoter_score(scores) -> float | None:
    if not scores:
        return None
    promoters = sum(score >= 9 for score in scores)
    detractors = sum(score <= 6 for score in scores)
    return round(100 * (promoters - detractors) / len(scores), 1)


class SamplePlugin:
    def __init__(self, forms=(SURVEY, INSPECTION), metrics=(SURVEY_NPS, FIRST_TIME_FIX, LEAD_RESPONSE)):
        self.forms, self.metrics = list(forms), list(metrics)
        self.submitted = []

    @hookimpl
    def register_forms(self):
        return self.forms

    @hookimpl
    def register_metrics(self):
        return self.metrics

    @hookimpl
    def compute_metric(self, metric, site, period):
        from core.forms.services import period_data

        if metric.key != "sample.nps":
            return None
        return net_promoter_score([answer["score"] for answer in period_data("sample.survey", site, period)])

    @hookimpl
    def form_submitted(self, submission):
        self.submitted.append(
            (submission.form_key, submission.form_version, submission.site.code, dict(submission.data))
        )
