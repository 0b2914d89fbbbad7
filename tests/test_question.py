"""Question analysis: what an answer must show (pure text logic, no model, no store)."""

from __future__ import annotations

from agent.qa.question import (
    QuestionSpec,
    asked_office,
    asked_units,
    asks_when,
    content_words,
    coverage,
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

    text = "活动周期间,某市将以“技能成才,强国有我”为主题,开展系列职教活动。"
    parts = [text[a:b] for a, b in clauses(text)]
    assert parts == ["活动周期间", "某市将以“技能成才,强国有我”为主题", "开展系列职教活动"]
    # a mark never closed (the closing quote miswritten as an opening one) protects nothing
    text = "某职院在湖南省“互联网+“大学生创新创业大赛中发挥出色,一举夺得金奖1枚,铜奖5枚。"
    parts = [text[a:b] for a, b in clauses(text)]
    assert parts[-2:] == ["一举夺得金奖1枚", "铜奖5枚"]


def test_terms_say_the_same_thing_in_other_words() -> None:
    from agent.text.terms import forms, says

    assert says("普高", "普通高中和中职招生规模大体相当")
    assert says("中等职业学校", "全市中职招生2万人")
    assert says("人社局", "市人力资源和社会保障局发布通知")  # aliases.toml pairs too
    # narrower words answer a general question, not the other way round
    assert says("中职", "全省中专、职高招生计划")
    assert not says("中专", "全省中职招生计划")
    assert says("教育部门", "市教育局发文") and not says("教育部", "市教育局发文")
    # class nouns by their instances
    assert says("城市", "哈尔滨市、呼和浩特市等地联合举办", instances=True)
    assert not says("城市", "哈尔滨市、呼和浩特市等地联合举办")
    assert says("省份", "来自河南省、山东省的代表", instances=True)
    assert not says("城市", "开拓国内外市场", instances=True)
    assert forms("普高")[0] == "普通高中" and "普高" in forms("普高")


def test_paraphrased_questions_are_met_by_texts_in_other_words() -> None:
    spec = QuestionSpec("有几个城市加入了这个联盟？")
    text = "哈尔滨市、呼和浩特市、长春市3个城市的职业院校加入联盟"
    assert spec.unmet(text, text, [text]) == []
    listed = "哈尔滨市、呼和浩特市、长春市的职业院校加入联盟"
    assert "城市" not in spec.unmet(listed, listed, [listed], "哈尔滨市、呼和浩特市、长春市")
    # the kind of answer asked (角色) is not required in the text
    role = QuestionSpec("园区在产教融合中扮演什么角色？")
    assert "角色" not in content_words(role.query)
    quote = "园区搭平台、企业接项目、院校育人才"
    assert role.unmet(quote, quote, [quote], quote) == []
    assert coverage(content_words("普高和中职的招生比例是多少？"),
                    "普通高中与中等职业学校招生比例大体相当") == 1.0


def test_numbers_compare_by_value_and_years_bind_to_the_cited_sentence() -> None:
    spec = QuestionSpec("2021年全市技能人才增长了多少？")
    other_year = "2022年全市技能人才增长12%。"
    assert "2021年" in spec.unmet(other_year, "2021年以来" + other_year, [other_year], "12%")
    same = "2021年全市技能人才增长12%。"
    assert spec.unmet(same, same, [same], "增长12%") == []
    chinese = "二〇二一年全市技能人才增长12%。"
    assert spec.unmet(chinese, chinese, [chinese], "增长12%") == []
    # a sentence without a year takes it from its article's lead
    bare = "全市技能人才增长12%。"
    assert spec.unmet(bare, "2021年全市人才工作综述。" + bare, [bare], "增长12%") == []
    count = QuestionSpec("招收的12000名学员来自哪里？")
    text = "共招收学员1.2万名，来自全省各地。"
    assert count.constraints[0].met(text)


def test_an_answer_saying_the_fact_is_not_given_is_a_refusal() -> None:
    from agent.qa.question import says_not_given

    assert says_not_given("资料中未给出具体人数。")
    assert says_not_given("文件中沒有提到主演名單。")  # traditional script too
    assert not says_not_given("该校未收取任何费用，共培训120人。")


def test_other_edition_other_level_other_organisation_are_not_answers() -> None:
    spec = QuestionSpec("上一届（第八届）江西省“互联网+”大赛中，宜春职业技术学院拿了几个金奖？")
    ninth = "在第九届江西省“互联网+”大学生创新创业大赛中，宜春职业技术学院获金奖4项。"
    assert "第8届" in spec.unmet(ninth, ninth, [ninth], "金奖4项")
    eighth = ninth.replace("第九届", "第八届")
    assert spec.unmet(eighth, eighth, [eighth], "金奖4项") == []
    # 中职组 asked, the text reports 高职组
    group = QuestionSpec("技能大赛中职组嵌入式赛项有多少支队伍参赛？")
    high = "高职组嵌入式系统应用开发赛项共有69支队伍参赛。"
    assert "中职组" in group.unmet(high, high, [high], "69支队伍")
    # another school's figure
    other = QuestionSpec("赣南师范大学获得了几个金奖？")
    assert "赣南师范大学" in other.unmet(ninth, "决赛在赣南师范大学举行。" + ninth, [ninth],
                                        "金奖4项")
    # an abbreviation of the asked school is the school
    short = QuestionSpec("宜春职院拿了几个金奖？")
    assert short.unmet(ninth, ninth, [ninth], "金奖4项") == []
    # a news dateline is not the date of the event
    when = QuestionSpec("推进会是哪一天召开的？")
    dateline = "红网时刻新闻7月28日讯(记者 潘锦)近日,推进会在石家庄召开。"
    assert "时间" in when.unmet(dateline, dateline, [dateline], dateline)


def test_a_total_over_many_organisations_is_not_one_organisations_figure() -> None:
    from agent.qa.question import totalled_organisation

    spec = QuestionSpec("江城职院一共有多少个项目报名参加了这次大赛？")
    total = "本次大赛吸引了来自全省122所高校的36.8万个项目报名参赛。"
    lead = "江城职业技术学院两个项目获省级一等奖。"
    assert "江城职院" in spec.unmet(total, lead + total, [total], "36.8万个项目")
    own = "江城职业技术学院共有1200个项目报名参赛。"
    assert spec.unmet(own, lead + own, [own], "1200个项目") == []
    # the asked organisation named beside the total: its own figure may be there
    both = "全省122所高校参赛，其中江城职院报名项目1200个。"
    assert totalled_organisation(spec.question, both) is None
    # a company asked, companies totalled
    firm = QuestionSpec("江城机械有限公司带动了多少人就业？")
    firms = "全市300家企业共带动就业2万人。"
    assert "江城机械有限公司" in firm.unmet(firms, firms, [firms], "2万人")


def test_another_numbered_group_is_not_the_asked_one() -> None:
    spec = QuestionSpec("推进会上第一组的研讨由哪所院校牵头？")
    seventh = "江城职院院长牵头组织第七组装备制造大类研讨。"
    assert "第1组" in spec.unmet(seventh, seventh, [seventh], "江城职院")
    first = seventh.replace("第七组", "第1组")
    assert "第1组" not in spec.unmet(first, first, [first], "江城职院")


def test_counted_medals_and_modal_verbs() -> None:
    medals = QuestionSpec("中国队在第43届世赛上拿了几块金牌？")
    text = "中国代表团在第43届世界技能大赛上获得4枚金牌。"
    assert medals.unmet(text, text, [text], "4枚金牌") == []
    times = QuestionSpec("技能提升补贴一个人一年最多能领几次？")
    assert all(c.label != "能领" for c in times.constraints)


def test_questions_of_several_parts_are_split_with_their_subject() -> None:
    from agent.qa.question import split_question

    assert split_question("两校在博州共建的产业学院叫什么？由谁揭的牌？") == [
        "两校在博州共建的产业学院叫什么？", "两校在博州共建的产业学院由谁揭的牌？"]
    assert split_question("宜春职院有多少学生报名参加了这次大赛，最后几个项目进了省决赛？") == [
        "宜春职院有多少学生报名参加了这次大赛？", "宜春职院最后几个项目进了省决赛？"]
    # one question, even with a comma or 、 inside
    assert split_question("协议是哪天、在哪里签的？") == ["协议是哪天、在哪里签的？"]
    assert split_question("如果拿到中级证书，能补多少钱？") == ["如果拿到中级证书，能补多少钱？"]
    # a second part that names its own subject keeps it
    parts = split_question("贵州有几个国家级技能大师工作室？省级工作室有几个？")
    assert parts[1] == "省级工作室有几个？" or parts[1].startswith("贵州")
    # traditional script in, traditional out
    second = split_question("廣東生態工程職業學院今年拿了幾個一等獎？上一年度又是幾個？")[1]
    assert second.startswith("廣東生態工程職業學院")


def test_a_list_of_asks_after_one_verb_is_split() -> None:
    from agent.qa.question import split_question

    assert split_question("某职院这次比赛一共拿了几块金牌、几块铜牌？") == [
        "某职院这次比赛一共拿了几块金牌？", "某职院这次比赛一共拿了几块铜牌？"]
    # one verb after the asks, or a 是-question on one act: one question
    assert split_question("哪些学校、哪些企业参加了？") == ["哪些学校、哪些企业参加了？"]
    assert split_question("协议是哪天、在哪里签的？") == ["协议是哪天、在哪里签的？"]
    assert len(split_question("大赛有多少所院校、多少个项目参赛？")) == 1
    assert len(split_question("实践队收了多少份问卷、采访了多少位专家？")) == 1
    # an alternative question is a part of its own
    assert split_question("那个培训什么时候开课？是线下还是线上上课？")[1].endswith(
        "是线下还是线上上课？")


def test_a_post_question_needs_an_office_title() -> None:
    spec = QuestionSpec("带领第七组研讨的是什么职务？")
    cited = "该校党委副书记、院长某某牵头组织第七组开展研讨"
    assert spec.post and "职务" in spec.unmet(cited, "", [cited], "某某。")
    assert "职务" not in spec.unmet(cited, "", [cited], "党委副书记、院长。")
    assert not QuestionSpec("带领第七组研讨的是谁？").post


def test_a_count_binds_its_noun_in_other_words() -> None:
    from agent.qa.question import counted_binding

    spec = QuestionSpec("某职院一共拿了几块金牌？")
    assert counted_binding(spec, "一举夺得金奖1枚,铜奖5枚")  # 金牌 = 金奖, 块 ≈ 枚
    assert not counted_binding(spec, "6个项目进入决赛")
    # a count of one digit is an answer, not a restatement of the question
    assert "问题之外的信息" not in spec.unmet("夺得金奖1枚", "", ["夺得金奖1枚"], "拿了1块金牌")


def test_an_elliptical_follow_up_asks_the_first_question_again() -> None:
    from agent.qa.question import split_question

    # another period takes the place of the first part's
    assert split_question("某职院今年招了多少新生？去年呢？") == [
        "某职院今年招了多少新生？", "某职院去年招了多少新生？"]
    assert split_question("2022年全省培训了多少人次？2023年呢？")[1] == "2023年全省培训了多少人次？"
    # what it names again, it names anew: the sum of both levels, not the first level
    assert split_question("江西有几个国家级技能大师工作室？国家级和省级加起来呢？")[1] == (
        "江西国家级和省级加起来有几个技能大师工作室？")
    # without a subject to put first, the whole first question is asked again
    assert split_question("某省有几个国家级工作室？国家级和省级加起来呢？")[1] == (
        "国家级和省级加起来某省有几个工作室？")
    assert split_question("你好呢？") == ["你好呢？"]  # nothing asked before it


def test_a_sum_of_levels_needs_every_level_in_the_cited_text() -> None:
    from agent.qa.question import uncounted_members

    asked = "国家级和省级技能大师工作室加起来有几个？"
    assert uncounted_members(asked, "其中，国家级技能大师工作室40个") == ["省级"]
    assert uncounted_members(asked, "建成国家级和省级技能大师工作室170个") == []
    assert uncounted_members("国家级工作室有几个？", "国家级技能大师工作室40个") == []
    spec = QuestionSpec(asked)
    national = "国家级技能大师工作室40个"
    assert "省级" in spec.unmet(national, "", [national], "40个")


def test_a_measure_question_needs_a_quantity_of_its_measure() -> None:
    from agent.qa.support import code_decides

    spec = QuestionSpec("某省的技能大师工作室一般要建多长时间？")
    assert spec.measure == "duration" and spec.count and {"年", "月"} <= set(spec.units)
    cited = "工作室建设周期一般不超过1年"
    assert spec.unmet(cited, "", [cited], "不超过1年") == []
    launched = "某省自2011年开展技能大师工作室项目建设"
    assert spec.unmet(launched, "", [launched], "2011年开始。")  # a year is no duration
    assert QuestionSpec("证书下来后多久内要申请？").measure == "duration"
    assert QuestionSpec("证书下来后去哪里申请？").measure is None
    area = QuestionSpec("实训基地改造后有多大面积？")
    assert area.measure == "area" and area.unmet("", "", ["80平方米的展示大厅"], "80平方米") == []
    assert area.unmet("", "", ["成员12人"], "12人")
    # which quantity of time belongs to the question is the support check's to decide
    assert not code_decides(QuestionSpec("证书下来后多久内要申请？"))


def test_class_nouns_durations_and_abbreviated_names() -> None:
    from agent.qa.question import has_date, names_organisation

    city = QuestionSpec("推进会在哪个城市开的？")
    assert all(c.label != "城市" for c in city.constraints)
    assert not has_date("回顾了五年的发展历程") and has_date("于七月举行") and has_date("2023年")
    when = QuestionSpec("校内选拔赛是什么时候办的？")
    assert all(c.label != "选拔赛" for c in when.constraints if c.where == "cited")
    assert names_organisation("湖南高铁职院", "湖南高速铁路职业技术学院代表队获金奖1枚")
    assert not names_organisation("湖南高铁职院", "湖南机电职业技术学院代表队")


def test_a_count_is_answered_by_a_quote_with_a_number() -> None:
    spec = QuestionSpec("某职院最后几个项目进了省里的现场决赛？")
    caption = "参赛人员与部分指导老师的合影。"
    assert "数量" in spec.unmet(caption, "", [caption], caption)
    dated = "在2022年下半年组织了初赛，今年4月举行了第三届校赛"  # dates and an edition only
    assert "数量" in spec.unmet(dated, "", [dated], dated)
    assert "数量" not in spec.unmet("该院6个项目获得参加省现场决赛资格。", "",
                                  ["该院6个项目获得参加省现场决赛资格"], "6个项目。")
    assert not QuestionSpec("几乎所有学校都参加了吗？").count  # 几乎 asks no count


def test_which_day_needs_a_day_not_a_month_or_a_dateline() -> None:
    spec = QuestionSpec("推进会具体是哪一天召开的？")
    assert "日期" in spec.unmet("", "", [], "2023年上半年通过验收。")
    assert "时间" in spec.unmet("", "", [], "某网7月28日讯 推进会近日召开。")
    assert "日期" not in spec.unmet("", "", [], "推进会于7月26日召开。")
    assert "日期" not in QuestionSpec("通知是几月发的？").unmet("", "", [], "7月印发。")


def test_who_is_answered_by_a_person_or_a_body() -> None:
    from agent.qa.question import names_someone

    asked = "某创新工作室的实训基地是谁验收的？"
    assert not names_someone("某创新工作室实训基地被命名为市职工技能提升平台。", asked)
    assert names_someone("经市总工会实地验收。", asked)
    assert names_someone("由市就业促进中心主办。", "技能体验日是谁办的？")
    assert names_someone("张建国", "联盟理事长是谁？")  # a bare name
    assert names_someone("理事长张建国。", "联盟理事长是谁？")
    assert not names_someone("理事长由大会选举产生。", "联盟理事长是谁？")
    spec = QuestionSpec(asked)
    cited = "经市总工会实地验收，实训基地被命名为…"
    assert "人或单位" in spec.unmet(cited, "", [cited], "实训基地被命名为市职工技能提升平台。")


def test_a_contrast_is_read_in_the_article_when_the_sentence_names_none() -> None:
    from agent.qa.question import contrasted

    asked = "技能大赛中职组某赛项有多少支队伍参赛？"
    title = "全国职业院校技能大赛高职组某赛项在我校开赛"
    assert "中职组" in contrasted(asked, "共有来自全国30个省的69支队伍参赛", title)
    assert contrasted(asked, "共有69支队伍参赛", title + "，中职组同期举行") == []
    levels = "初级（五级）1000元、中级（四级）1500元、高级（三级）2000元"
    assert contrasted("技师（二级）证书能补多少钱？", levels) == ["二级"]


def test_a_sentence_without_a_year_is_about_the_year_in_force() -> None:
    from agent.qa.question import years_in_force

    text = "红网8月15日讯 近日，某职院代表队一举夺得金奖1枚。学院在2022年下半年组织了初赛。"
    at = text.index("一举")
    assert years_in_force(text, at, "2023-08-15") == {2023}
    assert years_in_force(text, text.index("组织"), "2023-08-15") == {2022, 2023}
    spec = QuestionSpec("2022年某职院在大赛上拿了几块金牌？")
    quote = "一举夺得金奖1枚"
    assert "2022年" in spec.unmet(quote, text, [quote], "1枚", in_force={2023})
    assert "2022年" not in spec.unmet(quote, text, [quote], "1枚", in_force={2022, 2023})


def test_a_when_question_needs_the_event_it_asks_about() -> None:
    from agent.qa.question import asked_event

    assert asked_event("某联盟什么时候成立？") == "成立"
    assert asked_event("推进会是哪一天召开的？") == "召开"
    assert asked_event("培训班是什么时候办的？") is None  # 办 names no event of its own
    assert asked_event("培训什么时候开课？") is None  # often said otherwise (正式开始)
    assert asked_event("活动是哪天、在哪里举行的？") is None  # the verb is in another clause
    spec = QuestionSpec("某联盟什么时候成立？")
    since = "自2018年起，基地每年开展活动。"
    assert "成立" in spec.unmet(since, "", ["自2018年起"], "自2018年起。")
    assert "成立" not in spec.unmet("联盟于2018年5月成立。", "", ["于2018年5月成立"], "2018年5月。")
    held = QuestionSpec("推进会是哪一天召开的？")
    assert "召开" not in held.unmet("推进会于7月26日在石家庄举行。", "", ["7月26日"], "7月26日。")
    # a sentence for the focused attempt (no answer yet) must state the event too
    notice = "8月1日，省工会下发通知，该工作室被命名为示范工作室。"
    assert "成立" in spec.unmet(notice, "", [notice])
    assert "成立" not in spec.unmet("该工作室创立于2022年10月15日。", "", ["创立于2022年10月15日"])


def test_a_why_question_needs_a_purpose_or_cause_and_an_opinion_question_a_view() -> None:
    from agent.qa.question import gives_reason, reports_opinion

    why = QuestionSpec("江城职院为什么要开设无人机专业？")
    assert why.reason and not why.opinion
    attended = "全体教师参加开班仪式"
    assert "原因" in why.unmet(attended, "", [attended], "全体教师参加")
    assert gives_reason("为满足本地企业的用人需求，江城职院新开设无人机专业。")
    assert gives_reason("这是落实国家战略的重要举措")
    assert not gives_reason("培训班为期八天，全体中层干部参加。")
    assert not gives_reason("学校成为全省最大的实训基地，")
    view = QuestionSpec("院长如何评价这次合作？")
    assert view.opinion and not view.reason
    assert reports_opinion("他表示，双方合作是推动产教融合的重大举措。")
    assert not reports_opinion("院长代表学校对企业的支持表示感谢。")
    assert "评价" in view.unmet("院长李明主持签约仪式。", "", ["院长李明主持签约仪式"], "李明主持")


def test_a_name_made_with_a_verb_is_still_a_name() -> None:
    from agent.qa.question import named_organisations, other_organisation

    assert named_organisations("王某创新工作室什么时候成立？") == ["王某创新工作室"]
    other = "某公司于2016年成立了李某创新工作室。"
    assert other_organisation("王某创新工作室什么时候成立", other, other) == "王某创新工作室"
    own = "王某创新工作室创立于2022年10月15日。"
    assert other_organisation("王某创新工作室什么时候成立", own, own) is None


def test_a_rank_question_needs_an_award_or_a_rank() -> None:
    from agent.qa.question import states_award

    rank = QuestionSpec("某某幼专的学生团队在省创新创业大赛里拿了什么名次？")
    assert rank.rank and not QuestionSpec("大赛在哪里举办？").rank
    lead = "8月7日至9日，第九届省创新创业大赛现场决赛在某某大学成功举办。"
    assert "名次或奖项" in rank.unmet(lead, "", [lead], lead)
    won = "该校选送项目最终获得创业组三等奖。"
    assert "名次或奖项" not in rank.unmet(won, "", [won], "获得创业组三等奖")
    assert "名次或奖项" in rank.unmet(lead, "", [lead])  # a sentence for the focused attempt
    assert states_award("代表队夺得金牌") and states_award("位列全省第二名")
    assert not states_award("第三届大赛在长沙落幕")


def test_a_name_question_needs_the_name_in_marks_next_to_its_kind() -> None:
    from agent.qa.question import titled_name

    spec = QuestionSpec("某某职院获奖的那个项目叫什么？")
    assert spec.title == "项目"
    assert QuestionSpec("凭哪个项目拿到一等奖的？").title == "项目"
    assert QuestionSpec("活动周的主题是什么？").title == "主题"
    assert QuestionSpec("这个项目投资多少？").title is None
    contest = "“建行杯”第九届省“互联网+”大学生创新创业大赛在某某大学举办。该校项目获三等奖。"
    assert "项目的名称" in spec.unmet(contest, "", [contest])  # marks name the contest
    named = "该校某某等同学的项目《智慧养老助手》在指导老师的指导下获三等奖。"
    assert "项目的名称" not in spec.unmet(named, "", [named])
    assert "项目的名称" not in spec.unmet(named, "", [named[:12]], "《智慧养老助手》")
    assert "项目的名称" in spec.unmet(named, "", [named], "获三等奖")
    assert titled_name("主题为“技能成就未来”", "主题") == (3, 11)


def test_code_decides_counts_dates_and_roles_not_reasons_or_lists() -> None:
    from agent.qa.support import code_decides

    assert code_decides(QuestionSpec("联盟有多少家成员单位？"))
    assert code_decides(QuestionSpec("联盟什么时候成立？"))
    assert code_decides(QuestionSpec("大会由谁主持？"))
    assert not code_decides(QuestionSpec("江城职院为什么要开设无人机专业？"))
    assert not code_decides(QuestionSpec("培训班去了哪些地方参观？"))


def test_a_money_question_needs_an_amount_in_yuan() -> None:
    spec = QuestionSpec("技能提升补贴拿到中级工证能补多少钱？")
    assert "CNY" in spec.units
    wider = "补贴申领条件继续放宽至参保一年以上"
    assert "金额" in spec.unmet(wider, "", [wider], "放宽")
    assert "金额" not in spec.unmet("中级（四级）1500元", "", ["中级（四级）1500元"], "1500元")
    assert QuestionSpec("一等奖奖励多少？").units == ["CNY"]


def test_a_day_named_by_the_report_answers_when() -> None:
    from agent.qa.answer import report_days, resolved_day, with_report_days
    from agent.qa.question import has_date, has_day

    sentence = "主题日活动今天在市实训中心举行"
    assert has_date(sentence) and has_day(sentence)
    assert resolved_day(sentence, "2023-07-15") == "今天即2023年7月15日"
    assert resolved_day("昨日，会议在长沙召开", "2023-03-01") == "昨日即2023年2月28日"
    assert resolved_day(sentence, None) is None
    assert report_days(sentence, "2023-07-15") == [(7, 15)]
    assert with_report_days("活动今天举行", ["今天即2023年7月15日"]) == (
        "活动今天举行（今天即2023年7月15日，据发布日期）")
    assert with_report_days("活动7月15日举行", ["今天即2023年7月15日"]) == "活动7月15日举行"


def test_a_role_verb_that_only_dates_the_question_is_not_asked() -> None:
    from agent.qa.question import question_roles

    assert question_roles("协议签订后将援助对方哪些专业？") == ()
    assert question_roles("会议召开期间发布了哪些成果？") == ()
    assert question_roles("合作协议由谁签订？") == ("签订",)
    assert question_roles("会议由谁主持？主持时说了什么") == ("主持",)
