"""Used cars: appraisal of trade-ins and the age of used-car stock.

A third-party dealerqms plugin, registered through the ``dealerqms`` entry
point group as ``usedcars``; it uses nothing but ``core.plugins``.
"""

from core.plugins import Checklist, Field, Form, Metric, ProcedureTemplate, Question, hookimpl

APPRAISAL_PROCEDURE = "UC-PR-001"


@hookimpl
def register_checklists():
    return [
        Checklist(
            key="usedcars.appraisal",
            title="Used-car appraisal and reconditioning",
            area="SALES",
            questions=[
                Question(key="q1", text="Is every trade-in appraised on the appraisal record before a price "
                                        "is offered?",
                         reference=f"{APPRAISAL_PROCEDURE} §3",
                         guidance="Sample five trade-ins of the last month and find their appraisal records."),
                Question(key="q2", text="Is the odometer reading checked against the service history?",
                         reference=f"{APPRAISAL_PROCEDURE} §4",
                         guidance="Look for the service-history check on the sampled records."),
                Question(key="q3", text="Are cars older than 90 days in stock reviewed for a price change?",
                         reference=f"{APPRAISAL_PROCEDURE} §6",
                         guidance="Compare the stock list with the monthly review minutes."),
            ],
        ),
    ]


@hookimpl
def register_metrics():
    return [
        Metric(key="usedcars.stock_age", name="Average used-car stock age", unit="days", direction="lower",
               target=45, warning=60, description="Mean days in stock of the used cars on hand at month end."),
    ]


@hookimpl
def register_forms():
    return [
        Form(
            key="usedcars.appraisal_record",
            title="Trade-in appraisal record",
            version=2,
            fields=[
                Field(key="vin", label="VIN", type="vin", required=True),
                Field(key="appraised_on", label="Appraised on", type="date", required=True),
                Field(key="odometer_km", label="Odometer (km)", type="integer", required=True, min=0, max=2_000_000),
                Field(key="condition", label="Overall condition", type="rating", scale=(1, 5), required=True),
                Field(key="history_checked", label="Service history checked", type="boolean"),
                Field(key="history_gap", label="What is missing from the history?", type="textarea",
                      visible_when=("history_checked", False)),
                Field(key="damage", label="Damage found", type="multiselect",
                      choices=[("body", "Bodywork"), ("glass", "Glass"), ("interior", "Interior"),
                               ("mechanical", "Mechanical")]),
                Field(key="offer", label="Offer (CNY)", type="decimal", min=0, required=True),
            ],
        ),
    ]


@hookimpl
def register_procedure_templates():
    return [
        ProcedureTemplate(
            code=APPRAISAL_PROCEDURE,
            title="Used-car appraisal and reconditioning",
            department="SALES",
            review_interval_months=12,
            distribution_roles=("staff",),
            body=(
                "# Used-car appraisal and reconditioning\n\n"
                "## 1 Purpose\n\nEvery trade-in is appraised the same way, so that offers are fair and "
                "defects are known before a car is sold on.\n\n"
                "## 2 Scope\n\nAll trade-ins and used-car purchases at every site.\n\n"
                "## 3 Appraisal\n\nThe appraiser fills in the trade-in appraisal record before an offer is "
                "made.\n\n"
                "## 4 History\n\nThe odometer reading is checked against the service history.\n\n"
                "## 5 Reconditioning\n\nDefects found are repaired or disclosed to the buyer in writing.\n\n"
                "## 6 Stock review\n\nCars older than 90 days in stock are reviewed monthly for a price change.\n"
            ),
        ),
    ]
