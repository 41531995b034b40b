"""三包 rules at their edges, each test named with its article of 家用汽车产品修理更换退货责任规定
(SAMR Order No. 43, in force 2022-01-01), as the official text reads:

- Art.18 ¶2: the periods run from the invoice date; where delivery was on another day, from delivery.
- Art.21: a single repair of more than 5 days within the repair warranty owes a loan car or transport
  compensation from the 6th day.
- Art.24(2): a major unit replaced twice; Art.24(3): the same main part (of the engine, transmission,
  traction battery, drive motor, steering, brakes, suspension, drivetrain, pollution-control device or
  body) replaced twice; Art.24 ¶2: a unit's replacements are not added to its main parts'.
- Art.40: a single repair's time in hours, every full 24 hours a day, a remainder under 24 hours one day.
"""

from plugins.aftersales import computations
from plugins.aftersales.definitions import SYSTEMS, sanbao_case


def repair(date_in, fault="Engine stalls at idle", system="engine", **extra):
    return {"date_in": date_in, "fault": fault, "system": system, **extra}


def case(*repairs, purchase="2025-01-10", delivery=None, mileage=20000):
    data = {
        "case_number": "SB-2025-001",
        "vin": "LSVAU2180N2183294",
        "customer": "Li Wei",
        "purchase_date": purchase,
        "record_date": "2025-12-01",
        "mileage": mileage,
        "status": "open",
        "repairs": list(repairs),
    }
    if delivery:
        data["delivery_date"] = delivery
    return data


def rules(found):
    return {(flag.rule, flag.level, flag.count) for flag in found}


# -- Art.40: counting a repair's days ------------------------------------------------------------------------------


def test_art_40_a_repair_of_23_hours_59_counts_as_one_day():
    assert computations.repair_days("2025-03-01T08:00:00", "2025-03-02T07:59:00") == 1


def test_art_40_a_repair_of_a_few_minutes_counts_as_one_day():
    assert computations.repair_days("2025-03-01T08:00:00", "2025-03-01T08:10:00") == 1


def test_art_40_exactly_24_hours_is_one_day_and_a_minute_more_is_two():
    assert computations.repair_days("2025-03-01T08:00:00", "2025-03-02T08:00:00") == 1
    assert computations.repair_days("2025-03-01T08:00:00", "2025-03-02T08:01:00") == 2


def test_art_40_the_days_come_from_the_times_before_what_was_typed():
    timed = repair("2025-03-01", agreed_at="2025-03-01T08:00:00", completed_at="2025-03-01T17:00:00", days_off_road=0)
    assert computations.days_of(timed) == 1
    # Without both times the typed days count (files kept before the times were recorded).
    assert computations.days_of(repair("2025-03-01", days_off_road=4)) == 4


def test_art_40_and_art_24_4_short_repairs_add_up_to_the_30_day_trigger():
    # 31 repairs of 2 hours each: 31 days of repair time, more than 30 (each fault different).
    short = [
        repair(
            f"2025-{2 + n // 28:02d}-{1 + n % 28:02d}",
            fault=f"fault {n}",
            system="other",
            agreed_at=f"2025-{2 + n // 28:02d}-{1 + n % 28:02d}T09:00:00",
            completed_at=f"2025-{2 + n // 28:02d}-{1 + n % 28:02d}T11:00:00",
        )
        for n in range(31)
    ]
    assert ("repair_days", "trigger", 31) in rules(computations.sanbao_flags(case(*short)))
    assert ("repair_days", "warning", 30) in rules(computations.sanbao_flags(case(*short[:30])))


# -- Art.21: the loan car ------------------------------------------------------------------------------------------


def test_art_21_a_repair_of_exactly_5_days_owes_no_loan_car():
    five = repair("2025-03-01", agreed_at="2025-03-01T08:00:00", completed_at="2025-03-06T08:00:00")
    assert "loan_car" not in {flag.rule for flag in computations.sanbao_flags(case(five))}


def test_art_21_a_repair_of_5_days_and_1_hour_owes_a_loan_car_from_day_6():
    longer = repair("2025-03-01", agreed_at="2025-03-01T08:00:00", completed_at="2025-03-06T09:00:00")
    [flag] = [flag for flag in computations.sanbao_flags(case(longer)) if flag.rule == "loan_car"]
    assert (flag.level, flag.count, flag.limit) == ("warning", 6, 5)


def test_art_21_applies_within_the_3_year_repair_warranty_after_the_sanbao_period():
    # Invoice 2022-06-01: the 三包 period ended 2024-06-01, the repair warranty runs to 2025-06-01.
    late = repair("2025-03-01", days_off_road=7)
    assert rules(computations.sanbao_flags(case(late, purchase="2022-06-01"))) == {("loan_car", "warning", 7)}
    after = repair("2025-07-01", days_off_road=7)
    assert computations.sanbao_flags(case(after, purchase="2022-06-01")) == []


# -- Art.18: when the periods start --------------------------------------------------------------------------------


def test_art_18_the_period_runs_from_the_invoice_date():
    # Invoice 2023-03-01, no other delivery date: a repair on 2025-03-02 is past the 2-year period.
    after = repair("2025-03-02", days_off_road=40, fault="a", system="other")
    assert {flag.rule for flag in computations.sanbao_flags(case(after, purchase="2023-03-01"))} == {"loan_car"}


def test_art_18_the_period_runs_from_the_delivery_date_where_it_differs_from_the_invoice():
    # Delivered 2023-04-01, a month after the invoice: the same repair is inside the period.
    inside = repair("2025-03-02", days_off_road=40, fault="a", system="other")
    found = computations.sanbao_flags(case(inside, purchase="2023-03-01", delivery="2023-04-01"))
    assert ("repair_days", "trigger", 40) in rules(found)


def test_art_18_and_art_22_the_7_days_count_from_delivery():
    # Invoice on 1 March, delivery on 10 March, engine main part replaced on 15 March: day 5 of the period.
    early = repair("2025-03-15", main_part_replaced=True, main_part="crankshaft", days_off_road=2)
    assert ("seven_day", "trigger", 5) in rules(
        computations.sanbao_flags(case(early, purchase="2025-03-01", delivery="2025-03-10"))
    )
    # Counted from the invoice it would be day 14: no 7-day rule.
    assert "seven_day" not in {f.rule for f in computations.sanbao_flags(case(early, purchase="2025-03-01"))}


# -- Art.24(2), (3): replacements per main part --------------------------------------------------------------------


def test_art_24_3_the_second_replacement_of_the_same_main_part_triggers():
    first = repair("2025-03-01", "Car leans in bends", "suspension", main_part_replaced=True, main_part="Front strut")
    second = repair("2025-06-01", "Knock over bumps", "suspension", main_part_replaced=True, main_part="front strut")
    assert rules(computations.sanbao_flags(case(first))) == {("part_replaced", "warning", 1)}
    [flag] = computations.sanbao_flags(case(first, second))
    assert (flag.rule, flag.level, flag.count, flag.subject) == ("part_replaced", "trigger", 2, "front strut")


def test_art_24_3_two_different_main_parts_of_one_system_do_not_trigger():
    strut = repair("2025-03-01", "Car leans", "suspension", main_part_replaced=True, main_part="Front strut")
    arm = repair("2025-06-01", "Clunk", "suspension", main_part_replaced=True, main_part="Lower control arm")
    found = computations.sanbao_flags(case(strut, arm))
    assert rules(found) == {("part_replaced", "warning", 1)}
    assert all(flag.level == "warning" for flag in found) and len(found) == 2


def test_art_24_3_covers_the_drivetrain_and_the_pollution_control_device():
    for system, part in (("drivetrain", "Drive shaft"), ("pollution_control", "Catalytic converter")):
        twice = [
            repair(day, "Fault", system, main_part_replaced=True, main_part=part)
            for day in ("2025-03-01", "2025-05-01")
        ]
        assert ("part_replaced", "trigger", 2) in rules(computations.sanbao_flags(case(*twice))), system


def test_art_24_3_a_main_part_outside_the_listed_systems_does_not_count():
    twice = [
        repair(day, "Radio dead", "electrical", main_part_replaced=True, main_part="Head unit")
        for day in ("2025-03-01", "2025-05-01")
    ]
    assert computations.sanbao_flags(case(*twice)) == []


def test_art_24_2_the_second_replacement_of_a_whole_major_unit_triggers():
    first = repair("2025-03-01", "Gearbox slips", "transmission", unit_replaced=True)
    second = repair("2025-06-01", "Gearbox slips", "transmission", unit_replaced=True)
    assert rules(computations.sanbao_flags(case(first))) == {("unit_replaced", "warning", 1)}
    assert ("unit_replaced", "trigger", 2) in rules(computations.sanbao_flags(case(first, second)))


def test_art_24_para_2_a_unit_and_its_main_part_are_not_counted_together():
    # The transmission replaced once and its valve body once: one of each, neither twice.
    unit = repair("2025-03-01", "Gearbox slips", "transmission", unit_replaced=True)
    part = repair("2025-06-01", "Gearbox jerks", "transmission", main_part_replaced=True, main_part="Valve body")
    found = rules(computations.sanbao_flags(case(unit, part)))
    assert found == {("unit_replaced", "warning", 1), ("part_replaced", "warning", 1)}


# -- the case file ---------------------------------------------------------------------------------------------------


def test_art_24_3_the_case_file_offers_every_listed_system():
    offered = {value for value, _label in SYSTEMS}
    assert set(computations.MAIN_PART_SYSTEMS) <= offered
    assert {"suspension", "drivetrain", "pollution_control"} <= offered
    rows = {field.key for field in sanbao_case().field("repairs").fields}
    assert {"agreed_at", "completed_at", "unit_replaced", "main_part", "loan_car"} <= rows
    assert "delivery_date" in {field.key for field in sanbao_case().fields}


def test_art_21_the_warning_ends_once_the_loan_car_is_recorded():
    given = repair("2025-03-01", days_off_road=8, loan_car=True)
    assert "loan_car" not in {flag.rule for flag in computations.sanbao_flags(case(given))}


def test_art_21_and_art_24_warnings_read_in_both_languages(app):
    from plugins.aftersales.plugin import flag_text

    loan = computations.SanbaoFlag("loan_car", "warning", 6, 5, "gearbox slips")
    unit = computations.SanbaoFlag("unit_replaced", "trigger", 2, 2, "transmission")
    part = computations.SanbaoFlag("part_replaced", "warning", 1, 2, "front strut")
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert flag_text(loan) == (
            "A repair took 6 days (more than 5): a loan car or transport compensation is owed from the 6th day "
            "(三包 Art.21)."
        )
        assert flag_text(unit).startswith("Transmission replaced 2 times")
        assert flag_text(part).startswith("front strut replaced once")
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert (
            flag_text(loan)
            == "单次维修用时 6 日（超过 5 日）：自第 6 日起应提供备用车或交通费用补偿（三包规定第二十一条）。"
        )
        assert flag_text(unit).startswith("变速器")
