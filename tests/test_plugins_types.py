"""The value types plugins build their definitions from refuse malformed ones,
saying what is wrong, and cannot be changed once built."""

import dataclasses

import pytest

from core.plugins import (
    FIELD_TYPES,
    Checklist,
    DashboardPanel,
    DefinitionError,
    Field,
    Form,
    MenuLink,
    Metric,
    PackSection,
    ProcedureTemplate,
    Question,
)


def question(**overrides):
    return Question(**{"key": "q1", "text": "Is the appraisal recorded?"} | overrides)


def checklist(**overrides):
    return Checklist(**{"key": "usedcars.appraisal", "title": "Appraisal", "questions": [question()]} | overrides)


def metric(**overrides):
    return Metric(
        **{"key": "usedcars.stock_age", "name": "Stock age", "unit": "days", "direction": "lower", "target": 45}
        | overrides
    )


def form(*fields, **overrides):
    return Form(
        **{
            "key": "usedcars.record",
            "title": "Record",
            "fields": list(fields) or [Field(key="vin", label="VIN", type="vin")],
        }
        | overrides
    )


def template(**overrides):
    return ProcedureTemplate(
        **{"code": "UC-PR-001", "title": "Appraisal", "department": "SALES", "body": "# Purpose\n"} | overrides
    )


def test_a_valid_checklist_keeps_its_questions_as_an_immutable_tuple():
    made = checklist(questions=[question(key="q1"), question(key="q2", reference="ISO 9001 8.5.1")])
    assert made.questions == (question(key="q1"), question(key="q2", reference="ISO 9001 8.5.1"))
    assert made.version == 1
    assert made.question("q2").reference == "ISO 9001 8.5.1"
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.title = "Changed"


def test_definitions_take_keyword_arguments_only():
    with pytest.raises(DefinitionError, match=r"Question: takes keyword arguments only"):
        Question("q1", "Is the appraisal recorded?")


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: question(key=""), "key must be a non-empty string"),
        (lambda: question(text="   "), "question 'q1': text is empty"),
        (lambda: question(text=42), "text must be text, not int"),
        (lambda: checklist(key="Used Cars.appraisal"), "key 'Used Cars.appraisal' is not valid"),
        (lambda: checklist(title=""), "Checklist 'usedcars.appraisal': title is empty"),
        (lambda: checklist(questions=[]), "has no questions"),
        (lambda: checklist(questions=["Is it clean?"]), "questions must be Question values, not str"),
        (lambda: checklist(questions=[question(), question()]), "question key 'q1' appears twice"),
        (lambda: checklist(version=0), "version must be a whole number from 1"),
        (lambda: checklist(area="sales"), "area 'sales' is not a valid code"),
        (lambda: checklist(questions=question()), "questions must be a list, not Question"),
    ],
)
def test_malformed_checklists_are_refused_with_the_reason(build, message):
    with pytest.raises(DefinitionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        build()


def test_a_valid_metric_defaults_to_a_monthly_manual_measure():
    made = metric(warning=60)
    assert (made.period, made.computed, made.warning) == ("month", False, 60)
    assert metric(computed=True, formula="mean days in stock").computed is True


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"direction": "up"}, "direction must be 'higher' or 'lower', not 'up'"),
        ({"target": "45"}, "target must be a number, not '45'"),
        ({"target": True}, "target must be a number, not True"),
        ({"warning": "sixty"}, "warning must be a number"),
        ({"period": "week"}, "period must be one of month, quarter, year, not 'week'"),
        ({"computed": "yes"}, "computed must be True or False"),
        ({"name": ""}, "name is empty"),
    ],
)
def test_malformed_metrics_are_refused_with_the_reason(overrides, message):
    with pytest.raises(DefinitionError, match=message):
        metric(**overrides)


@pytest.mark.parametrize("field_type", FIELD_TYPES)
def test_every_field_type_of_the_forms_issue_can_be_declared(field_type):
    extra = {
        "select": {"choices": ["a", "b"]},
        "multiselect": {"choices": ["a", "b"]},
        "rating": {"scale": (1, 5)},
        "group": {"fields": [Field(key="why", label="Why?")]},
    }
    made = Field(key="answer", label="Answer", type=field_type, **extra.get(field_type, {}))
    assert made.type == field_type


def test_choices_become_value_label_pairs():
    made = Field(key="fuel", label="Fuel", type="select", choices=["petrol", ("ev", "Electric")])
    assert made.choices == (("petrol", "petrol"), ("ev", "Electric"))
    assert made.choice_values == ("petrol", "ev")


def test_rating_scales_and_group_bounds_are_kept():
    assert Field(key="nps", label="Recommend?", type="rating", scale=[0, 10]).scale == (0, 10)
    rows = Field(key="whys", label="5 whys", type="group", min=1, max=5, fields=[Field(key="why", label="Why?")])
    assert (rows.min, rows.max, rows.fields[0].key) == (1, 5, "why")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"type": "colour"}, "unknown type 'colour'"),
        ({"key": "Odometer KM"}, "key 'Odometer KM' is not valid"),
        ({"label": ""}, "label is empty"),
        ({"required": "yes"}, "required must be True or False"),
        ({"type": "select"}, "a select field needs choices"),
        ({"type": "multiselect", "choices": ["a", "a"]}, "choice 'a' appears twice"),
        ({"type": "select", "choices": [("a", "A", "extra")]}, "a choice must be a value or a \\(value, label\\) pair"),
        ({"type": "text", "choices": ["a"]}, "a text field takes no choices"),
        ({"type": "rating"}, "a rating needs scale=\\(lowest, highest\\)"),
        ({"type": "rating", "scale": (5, 1)}, "must go from a lower to a higher number"),
        ({"type": "rating", "scale": (1.5, 5)}, "in whole numbers"),
        ({"type": "integer", "scale": (1, 5)}, "a integer field takes no scale"),
        ({"type": "integer", "min": 10, "max": 1}, "min 10 is greater than max 1"),
        ({"type": "integer", "min": 0.5}, "min of an integer field must be whole"),
        ({"type": "decimal", "max": "100"}, "max must be a number"),
        ({"type": "date", "min": 1}, "a date field takes no min/max"),
        ({"type": "group"}, "a group needs fields"),
        ({"type": "group", "fields": [Field(key="x", label="X")], "min": -1}, "number of rows"),
        ({"type": "text", "fields": [Field(key="x", label="X")]}, "a text field takes no fields"),
        ({"visible_when": "other"}, "visible_when must be a pair"),
        ({"type": "date", "prefill": "now"}, "prefill 'now' fits a datetime field, not a date field"),
        ({"type": "integer", "prefill": "me"}, "prefill 'me' fits a text field, not a integer field"),
        ({"type": "datetime", "prefill": "yesterday"}, "unknown prefill 'yesterday' \\(known: now, today, me\\)"),
        (
            {"type": "group", "fields": [Field(key="on", label="On", type="date", prefill="today")]},
            "inside a group cannot have a prefill",
        ),
    ],
)
def test_malformed_fields_are_refused_with_the_reason(kwargs, message):
    with pytest.raises(DefinitionError, match=message):
        Field(**{"key": "answer", "label": "Answer"} | kwargs)


def test_groups_cannot_nest():
    inner = Field(key="inner", label="Inner", type="group", fields=[Field(key="x", label="X")])
    with pytest.raises(DefinitionError, match="cannot be nested"):
        Field(key="outer", label="Outer", type="group", fields=[inner])


def test_a_field_can_show_only_when_an_earlier_field_has_a_value():
    made = form(
        Field(key="contact", label="May we call you?", type="boolean"),
        Field(key="phone", label="Phone", type="phone", required=True, visible_when={"contact": True}),
    )
    assert made.field("phone").visible_when == ("contact", True)


@pytest.mark.parametrize(
    "fields, message",
    [
        (
            [Field(key="phone", label="Phone", visible_when=("contact", True))],
            "'contact', which is not an earlier field",
        ),
        (
            [
                Field(key="contact", label="Call?", type="boolean"),
                Field(key="phone", label="Phone", visible_when=("contact", "yes")),
            ],
            "give True or False",
        ),
        (
            [
                Field(key="fuel", label="Fuel", type="select", choices=["petrol", "ev"]),
                Field(key="range", label="Range", visible_when=("fuel", "diesel")),
            ],
            "'diesel', which is not one of its choices",
        ),
        ([Field(key="vin", label="VIN"), Field(key="vin", label="VIN again")], "field key 'vin' appears twice"),
        ([], "has no fields"),
    ],
)
def test_malformed_forms_are_refused_with_the_reason(fields, message):
    with pytest.raises(DefinitionError, match=message):
        Form(key="usedcars.record", title="Record", fields=fields)


def test_form_versions_start_at_one():
    assert form().version == 1
    with pytest.raises(DefinitionError, match="version must be a whole number from 1"):
        form(version="2")


def test_a_valid_procedure_template():
    made = template(kind="work_instruction", review_interval_months=24, distribution_roles=["staff"])
    assert (made.kind, made.review_interval_months, made.distribution_roles) == ("work_instruction", 24, ("staff",))


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"code": "uc pr 1"}, "code 'uc pr 1' is not a valid code"),
        ({"code": "UC-PR-" + "1" * 40}, "at most 32 characters"),
        ({"department": ""}, "department '' is not a valid code"),
        ({"kind": "policy"}, "kind must be one of manual, procedure, work_instruction, form_template"),
        ({"review_interval_months": 0}, "review_interval_months must be a whole number from 1 to 120"),
        ({"body": ""}, "body is empty"),
        ({"distribution_roles": ["manager"]}, "unknown role 'manager'"),
    ],
)
def test_malformed_procedure_templates_are_refused_with_the_reason(overrides, message):
    with pytest.raises(DefinitionError, match=message):
        template(**overrides)


def test_page_additions_need_exactly_one_kind_of_content():
    assert MenuLink(label="Used cars", endpoint="usedcars.index").url is None
    assert DashboardPanel(title="Stock age", chart="usedcars.stock_age").html is None
    assert PackSection(title="Stock", html="<p>12 cars</p>").title == "Stock"
    with pytest.raises(DefinitionError, match="give either url or endpoint"):
        MenuLink(label="Used cars")
    with pytest.raises(DefinitionError, match="is not a link"):
        MenuLink(label="Used cars", url="javascript:alert(1)")
    with pytest.raises(DefinitionError, match="give either html or chart"):
        DashboardPanel(title="Stock", html="<p>1</p>", chart="usedcars.stock_age")
    with pytest.raises(DefinitionError, match="html is empty"):
        PackSection(title="Stock", html="")


def test_texts_may_be_translatable():
    from flask_babel import lazy_gettext

    assert question(text=lazy_gettext("Is the appraisal recorded?")).text == "Is the appraisal recorded?"


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"entity_type": "Tyre Fitting"}, "entity_type 'Tyre Fitting' is not valid"),
        ({"label": ""}, "label is empty"),
        ({"fields": ["plate"]}, "fields must be a mapping"),
        ({"fields": {"plate": 3}}, r"fields\['plate'\] must be text"),
        ({"values": {"state": {"fitted": None}}}, r"values\['state'\]\['fitted'\] must be text"),
        ({"hidden": "id"}, "hidden must be a set of column names"),
        ({"actions": {"approve": "%(who)s approved %(record)s"}}, "only create, update and delete have sentences"),
        ({"link": "/p/tyres"}, "link must be a function of the record's id"),
    ],
)
def test_malformed_trail_entities_are_refused_with_the_reason(overrides, message):
    from core.plugins import TrailEntity

    with pytest.raises(DefinitionError, match=message):
        TrailEntity(**{"entity_type": "tyre_fitting", "label": "tyre fitting", **overrides})


def test_a_template_written_in_several_languages_starts_a_procedure_in_its_authors():
    made = template(body={"en": "# Purpose\n", "zh_CN": "# 目的\n"})
    assert made.body_in("zh_CN") == made.body_in("zh") == "# 目的\n"
    assert made.body_in("en") == made.body_in("de") == "# Purpose\n"
    assert template().body_in("zh_CN") == "# Purpose\n"  # written in one language: that one
    with pytest.raises(DefinitionError, match=r"body\['zh_CN'\] is empty"):
        template(body={"en": "# Purpose\n", "zh_CN": " "})
    with pytest.raises(DefinitionError, match="body has no language"):
        template(body={})
