"""Question analysis: what an answer must show (pure text logic, no model, no store)."""

from __future__ import annotations

from agent.qa.question import (
    QuestionSpec,
    asked_office,
    asked_units,
    asks_when,
    mentions_role,
    novel_chars,
    office_stated,
    question_constraints,
    quotes_have_unit,
)
from agent.text.numbers import unit_at


def test_asked_units_are_normalised_like_the_number_parser() -> None:
    assert asked_units("哈尔滨市属高职院校有几所？") == ["所"]
    assert asked_units("冀南技师学院现有多少名在校生？") == ["persons"]
    assert asked_units("職教新區占地多少平方公里？") == ["平方公里"]
    assert asked_units("每年培训多少人次？") == ["person-times"]
    assert asked_units("投入了多少万元？") == ["CNY"]
    assert asked_units("投入了多少资金？") == []
    assert asked_units("哪几个地方签署了协议？") == []  # 哪几 asks which, not how many
    assert unit_at("几家企业", 1) == "家"


def test_quotes_have_unit() -> None:
    assert quotes_have_unit(["市属行使型本科高校1所、高职院校7所"], ["所"])
    assert not quotes_have_unit(["正在校生6.73万"], ["所"])
    assert quotes_have_unit(["有19家企业代表参加会议"], ["家"])
    assert quotes_have_unit(["anything"], [])


def test_counted_thing_before_or_after_the_question_word() -> None:
    def cited(q: str) -> list[str]:
        return [c.label for c in question_constraints(q) if c.where == "cited"]

    assert cited("冀南技师学院现有多少名在校生？") == ["在校生"]
    assert cited("哈尔滨市属高职院校有几所？") == ["高职院校"]
    assert cited("哈爾濱職業技術學院2023年招生多少人？") == ["招生"]
    # the counter itself is counted when the question goes on after it
    assert cited("联盟成立大会有多少人参加？") == []


def test_role_spellings() -> None:
    assert mentions_role("市政府与中国职业技术教育学会签定战略合作协议", "签订")
    assert not mentions_role("由市教育局等十部门主办", "主持")


def test_office_holder_must_belong_to_the_asked_organisation() -> None:
    assert asked_office("哈尔滨职业技术学院的校长是谁？") == ("哈尔滨职业技术学院", "校长")
    assert asked_office("联盟由谁主持？") is None
    other = ["浙江工业职业技术学院校长毛建卫,绍兴职业技术学院副院长陈建芳"]
    assert not office_stated("哈尔滨职业技术学院", "校长", other)
    assert office_stated("浙江工业职业技术学院", "校长", other)
    # an abbreviation in the text counts (general aliases table: 人社局)
    assert office_stated("江城市人力资源和社会保障局", "局长", ["江城市人社局局长张三致辞"])


def test_when_questions_and_novelty() -> None:
    assert asks_when("绍兴数字工匠共育联盟成立大会何时在哪里召开？")
    assert not asks_when("联盟由哪所学校牵头？")
    q = "绍兴数字工匠共育联盟是哪个市域产教联合体的重要载体平台之一？"
    assert novel_chars("绍兴数字工匠共育联盟是市域产教联合体的重要载体平台之一。", q) == 0
    assert novel_chars("绍兴“万亩千亿”新产业平台市域产教联合体。", q) >= 2


def test_spec_unmet_lists_what_the_cited_text_lacks() -> None:
    spec = QuestionSpec("中原经济区技工教育联盟成立大会由谁主持？")
    context = "中原经济区技工教育联盟成立大会在冀南技师学院举办"
    assert spec.unmet("会议由邯郸市人社局局长王合章主持。", context,
                      ["局长王合章主持"], "王合章主持。") == []
    assert "主持" in spec.unmet("此次大会由中原经济区技工教育联盟主办", context,
                                ["大会由中原经济区技工教育联盟主办"], "由联盟主办。")
    spec = QuestionSpec("2024年哈尔滨市职业教育活动周的主题是什么？")
    assert "2024" in spec.unmet("以“匠心育人,技展未来”为主题", "2023年哈尔滨市职业教育活动周",
                                ["以“匠心育人,技展未来”为主题"], "匠心育人,技展未来")
    spec = QuestionSpec("绍兴数字工匠共育联盟成立大会何时召开？")
    assert "时间" in spec.unmet("成立大会在绍兴中专召开", "绍兴", ["大会在绍兴中专召开"],
                              "在绍兴中专召开。")


def test_answer_type_of_which_questions() -> None:
    from agent.qa.question import answer_type

    head, endings = answer_type("市政府与哪所院校共同组建了职业教育集团？") or ("", ())
    assert head == "院校" and "学院" in endings
    assert answer_type("与哪个学会签订了战略合作协议？") == ("学会", ("学会",))
    assert answer_type("由哪个单位承办？") is None  # too vague to check
    spec = QuestionSpec("市政府与哪所院校共同组建了职业教育集团？")
    assert "院校的名称" in spec.unmet("共同组建现代农业职业教育集团", "", [],
                                   "组建现代农业职业教育集团。")


def test_clauses_keep_quoted_commas() -> None:
    from agent.qa.focus import clauses

    text = "活动周期间,哈市将以“匠心育人,技展未来”为主题,开展系列职教活动。"
    parts = [text[a:b] for a, b in clauses(text)]
    assert parts == ["活动周期间", "哈市将以“匠心育人,技展未来”为主题", "开展系列职教活动"]
