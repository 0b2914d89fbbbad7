"""Passage relevance and policy-document events: pure code, on made-up news text."""

from __future__ import annotations

from collections.abc import Callable

from agent.extract.policy import issuers, policy_events
from agent.extract.relevance import (
    LEAD_MIN_CHARS,
    Judge,
    concept_terms,
    document_is_relevant,
    lead_reading,
    passage_relevance,
    passages,
    uses_concept,
)
from agent.ingest.cleaning import document_from_text

BULLETIN = (
    "本台消息\n"
    "今年以来，全省住房改造工作稳步推进，共完成老旧小区改造1200个。各地加快施工进度。\n"
    "省教育厅召开职业教育工作会议，部署推进产教融合。会议提出，到2025年建成10个市域产教联合体，"
    "培养技能人才5万名。各职业院校要深化校企合作。\n"
    "上半年全省外贸进出口总额增长5%，航班客流量恢复至疫情前水平。\n"
    "今年夏粮喜获丰收，总产量比去年增长2%。各地抓紧晾晒入库。\n"
    "气象台发布高温预警，最高气温可达39℃。请市民注意防暑。\n"
    "全省文旅市场持续升温，暑期接待游客1.2亿人次。景区推出夜游项目。\n"
    "新建高速公路通车，全长120公里。沿线设服务区4个。\n"
)


def test_a_bulletin_keeps_only_its_vocational_story() -> None:
    doc = document_from_text(BULLETIN, path="b.txt")
    kept = passage_relevance(doc)
    texts = [doc.text[a:b] for a, b in kept]
    assert len(texts) == 1 and "市域产教联合体" in texts[0]
    assert document_is_relevant(doc)


def test_a_passing_mention_is_uncertain_and_left_to_the_judge() -> None:
    text = ("受台风影响，全市中小学、中等职业学校和幼儿园明日停课。气象部门提醒市民减少外出。"
            "各区做好防汛准备，转移群众2000余人。")
    doc = document_from_text(text, path="t.txt")
    assert [p.verdict for p in passages(doc)] == ["off"]  # 中等职业学校 is a name, not a concept
    storm = "防汛安置点设在武清区职教中心，安置群众300余人。各部门做好保障。气温持续升高。"
    doc = document_from_text(storm, path="s.txt")
    assert [p.verdict for p in passages(doc)] == ["uncertain"]
    assert passage_relevance(doc) == []
    assert passage_relevance(doc, judge=lambda _: True) == [(0, len(doc.text))]


def _recording(answer: Callable[[str], bool]) -> tuple[Judge, list[str]]:
    """A judge answering by ``answer``, and the texts it was asked about, in order."""
    asked: list[str] = []

    def judge(passage_text: str) -> bool:
        asked.append(passage_text)
        return answer(passage_text)

    return judge, asked


def test_the_judge_reads_an_uncertain_passage_from_its_lead_and_at_its_concept() -> None:
    text = ("7月18日，纪念某先生诞辰100周年座谈会在市文化馆举行。先生一生热心公益。"
            "他早年在上海经商。晚年他关心职业教育发展，捐资兴办学校。"
            "座谈会上，亲属代表发言。与会者参观了纪念展。")
    doc = document_from_text(text, path="m.txt")
    [passage] = passages(doc)
    assert passage.verdict == "uncertain" and passage.concept_window is not None
    window = doc.text[passage.concept_window[0] : passage.concept_window[1]]
    assert window == ("他早年在上海经商。晚年他关心职业教育发展，捐资兴办学校。"
                      "座谈会上，亲属代表发言。")
    lead_only, asked = _recording(lambda text: text.startswith("7月18日"))
    assert passage_relevance(doc, judge=lead_only) == []
    assert asked == [doc.text, window]


def test_a_long_lead_is_read_without_the_concept_sentence() -> None:
    text = ("8月12日晚，首届全国高校魔术社团交流展演在某剧场开幕。魔术师当场表演了纸牌魔术，"
            "观众惊叹连连。展演共有二十余个节目，来自全国各地的魔术爱好者同台献艺，现场气氛热烈。"
            "主办方介绍，近年来魔术艺术蓬勃发展。2021年，魔术专业列入职业教育专业目录。"
            "展演将持续两天，另有魔术讲座和道具展。")
    doc = document_from_text(text, path="x.txt")
    [passage] = passages(doc)
    assert passage.verdict == "uncertain" and passage.concept_window is not None
    lead = doc.text[passage.start : passage.concept_window[0]]
    assert len(lead) >= LEAD_MIN_CHARS and "职业教育" not in lead
    assert lead_reading(doc, passage) == lead
    judge, asked = _recording(lambda text: "职业教育" in text)
    assert passage_relevance(doc, judge=judge) == []
    assert asked == [lead]


def test_a_school_type_among_other_kinds_is_not_the_topic() -> None:
    assert not uses_concept("全年资助学前教育、义务教育、中职学校、普通高中和普通高校学生500万人次")
    assert not uses_concept("全市幼儿园、中小学校、技工院校和各类培训机构停课")
    assert uses_concept("全市资助中职学校学生5万人次")  # the only kind named
    assert uses_concept("深化产教融合、校企合作、工学结合")  # several concept items
    assert uses_concept("双方合作是推进资源互补、推动产教融合的重大举措")  # a long item


def test_two_character_concepts_match_whole_words_only() -> None:
    assert concept_terms("职教中心开展培训") == ["职教"]
    assert concept_terms("在职教师参加培训") == []
    assert concept_terms("提高职工待遇") == []


def test_issuers_split_on_the_list_mark_and_drop_the_count() -> None:
    assert issuers("中共山东省委组织部、山东省人力资源和社会保障厅等16部门") == [
        "中共山东省委组织部", "山东省人力资源和社会保障厅"]
    assert issuers("日前重庆") == ["重庆"]


def test_policy_documents_issued_are_events() -> None:
    text = ("2023-08-02 10:00，正文：新华社北京8月1日电（记者王明）记者从教育部获悉，教育部办公厅"
            "近日印发《关于加快职业教育专业建设的通知》。《通知》提出，各地要推进产教融合。"
            "3月5日，省人社厅、省教育厅联合印发关于开展技能人才评价工作的实施方案，"
            "明确了技能等级认定流程。")
    doc = document_from_text(text, path="p.txt")
    events = policy_events(doc)
    assert [(e.organizers, e.document, e.date) for e in events] == [
        (["教育部办公厅"], "关于加快职业教育专业建设的通知", None),
        (["省人社厅", "省教育厅"], "关于开展技能人才评价工作的实施方案", "2023-03-05"),
    ]
    for e in events:
        ev = e.evidence[0]
        assert doc.original[ev.start:ev.end] == ev.quote
        assert e.event_type == "发布文件"


def test_a_notice_launching_a_programme_gives_the_programme_as_an_event() -> None:
    text = ("2023-07-27 10:00，正文：省教育厅办公室近日印发关于实施江城职业学校骨干教师"
            "培养计划的通知。江城职业学校骨干教师培养计划从2024年开始实施，每年遴选100人。"
            "省人社厅日前印发《关于开展职业技能等级认定试点工作的通知》。")
    doc = document_from_text(text, path="p.txt")
    events = policy_events(doc)
    assert [(e.name, e.event_type, e.date, e.organizers) for e in events] == [
        ("省教育厅办公室印发《关于实施江城职业学校骨干教师培养计划的通知》", "发布文件", None,
         ["省教育厅办公室"]),
        ("江城职业学校骨干教师培养计划", "其他", "2024", ["省教育厅办公室"]),
        ("省人社厅印发《关于开展职业技能等级认定试点工作的通知》", "发布文件", None,
         ["省人社厅"]),  # 试点工作 is work, not a programme with a name of its own
    ]
    assert all(doc.original[e.evidence[0].start:e.evidence[0].end] == e.evidence[0].quote
               for e in events)


def test_a_credit_line_names_organisers_and_hosts_even_when_glued() -> None:
    from agent.extract.event_fields import credit_line, glued_bodies

    got = credit_line("主办单位：江城市教育局 承办单位：江城职业技术学院、江城日报社。")
    assert got.organizers == ["江城市教育局"] and got.hosts == ["江城职业技术学院", "江城日报社"]
    glued = credit_line("组织机构主办单位教育部职业教育与成人教育司承办单位中国教育电视台"
                        "江城乡村教育促进会★案例展示★")
    assert glued.organizers == ["教育部职业教育与成人教育司"]  # 部 then 职业: one body
    assert glued.hosts == ["中国教育电视台", "江城乡村教育促进会"]
    assert credit_line("活动由江城市教育局主办。").organizers == []
    assert glued_bodies("湖南省教育厅") == ["湖南省教育厅"]


def test_a_programme_is_not_the_issuing_of_its_notice() -> None:
    from agent.extract.merge import dedupe_within, launched_by
    from agent.extract.schemas import Event, Evidence

    quote = "省教育厅印发关于实施骨干教师培养计划的通知"
    ev = [Evidence(doc_id="d", quote=quote, start=0, end=len(quote))]
    notice = Event(name="省教育厅印发《关于实施骨干教师培养计划的通知》", event_type="发布文件",
                   document="关于实施骨干教师培养计划的通知", evidence=ev)
    programme = Event(name="骨干教师培养计划", event_type="其他", evidence=ev)
    assert launched_by(programme, notice) and not launched_by(notice, programme)
    assert len(dedupe_within([notice, programme])) == 2
    same = Event(name="关于实施骨干教师培养计划的通知", event_type="其他", evidence=ev)
    assert len(dedupe_within([notice, same])) == 1  # the notice itself, named by its title


def test_event_fields_stated_in_the_sentence() -> None:
    from agent.extract.event_fields import event_fields
    from agent.text.normalize import search_form

    text = ("技能大赛8月6日在湖北工程职业学院开赛。大赛由教育部、科技部、工信部等部门主办，"
            "湖北省教育厅、黄石市人民政府承办。")
    got = event_fields(text, search_form(text))
    assert got.location == "湖北工程职业学院"
    assert got.organizers == ["教育部", "科技部", "工信部"]
    assert got.hosts == ["湖北省教育厅", "黄石市人民政府"]
    trad = "啟動儀式在哈爾濱職業技術學院舉行，活動由湖南省教育廳主辦、湖南工業大學承辦。"
    got = event_fields(trad, search_form(trad))
    assert got.location == "哈爾濱職業技術學院"  # cut from the text, in its own script
    assert got.organizers == ["湖南省教育廳"] and got.hosts == ["湖南工業大學"]
    assert event_fields("8月1日在京举行了座谈。").location is None


def test_a_concept_in_someones_affiliation_is_not_the_topic() -> None:
    # attendee lists of a summer camp and a charity show
    assert not uses_concept(
        "仪式最后，某基金会秘书长、某航空职教集团龙某理事长与营员代表共同开启启动球")
    assert not uses_concept("国家二级心理咨询师、省教育厅职业教育专家库成员徐某参加汇报演出")
    assert uses_concept("某职教集团理事长表示，要推动职业教育高质量发展")  # the second use counts
    assert uses_concept("全市职业院校技能大赛在某校举行")
    assert not uses_concept("某老是中华职业教育社的优秀领导人，全国政协委员")


def test_part_time_teachers_are_not_vocational_education() -> None:
    assert concept_terms("社区工作人员和专、兼职教师67人参加学习") == []
    assert concept_terms("推动职教高质量发展") == ["职教"]
