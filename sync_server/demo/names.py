"""Word pools of the demo district: people's names, places, dispute stories
and the notes field workers write. Plausible for Handan, all invented.

Weighted pools are ``(value, weight)`` pairs; text templates use
``str.format`` placeholders that ``district.py`` fills in.
"""

from dataclasses import dataclass

from shared_models.domain.cases import CaseCategory
from shared_models.domain.people import Gender

# Common surnames of southern Hebei, roughly by frequency.
SURNAMES: tuple[tuple[str, int], ...] = (
    ("王", 90), ("李", 85), ("张", 80), ("刘", 70), ("赵", 45), ("杨", 40), ("郭", 30),
    ("高", 28), ("孙", 26), ("马", 25), ("陈", 24), ("吴", 15), ("徐", 14), ("韩", 14),
    ("冯", 13), ("贾", 12), ("田", 12), ("宋", 11), ("董", 11), ("梁", 10), ("史", 10),
    ("霍", 9), ("杜", 9), ("孟", 9), ("苏", 8), ("许", 8), ("曹", 8), ("魏", 8),
    ("吕", 7), ("牛", 7), ("范", 7), ("申", 6), ("崔", 6), ("侯", 6), ("邢", 6),
    ("郝", 5), ("彭", 5), ("康", 5), ("尹", 5), ("常", 5), ("秦", 4), ("路", 4),
    ("白", 4), ("武", 4), ("靳", 3), ("岳", 3), ("程", 3), ("樊", 3), ("段", 3),
    ("焦", 3), ("薛", 3), ("付", 3), ("石", 3), ("周", 3), ("黄", 2), ("温", 2),
)  # fmt: skip

GIVEN_MALE: tuple[str, ...] = (
    "建国", "建军", "国强", "志强", "海涛", "春生", "卫东", "国庆", "振华", "立新",
    "永刚", "晓东", "保国", "金山", "玉龙", "新民", "满仓", "福生", "学军", "宏伟",
    "志刚", "红军", "文明", "树林", "长江", "二虎", "庆丰", "军", "伟", "磊",
    "强", "涛", "鹏", "浩", "勇", "斌", "超", "博文", "子豪", "浩然",
    "俊杰", "宇航", "家豪", "明轩", "晨阳", "海龙", "建华", "永生", "喜庆", "守信",
)  # fmt: skip

GIVEN_FEMALE: tuple[str, ...] = (
    "秀英", "桂兰", "玉兰", "秀兰", "淑珍", "凤英", "桂英", "丽华", "丽娟", "红梅",
    "春梅", "淑芬", "月娥", "翠花", "慧敏", "海燕", "晓燕", "爱华", "素云", "玉梅",
    "艳", "静", "敏", "芳", "丽", "娜", "婷", "雪", "霞", "萍",
    "欣怡", "梓涵", "雨萱", "佳琪", "思雨", "诗涵", "文静", "小红", "美玲", "彩霞",
)  # fmt: skip

# Area codes of the first six ID digits: mostly Fuxing district itself.
AREA_CODES: tuple[tuple[str, int], ...] = (
    ("130404", 80),  # 邯郸市复兴区
    ("130402", 6),  # 邯山区
    ("130403", 6),  # 丛台区
    ("130406", 3),  # 峰峰矿区
    ("130481", 3),  # 武安市
    ("130421", 2),  # 邯郸县 (old code, still on older cards)
)

MOBILE_PREFIXES: tuple[str, ...] = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150",
    "151", "152", "155", "157", "158", "159", "166", "173", "177", "180",
    "181", "182", "183", "185", "186", "187", "188", "189", "191", "199",
)  # fmt: skip


@dataclass(frozen=True)
class OfficeSpec:
    """A township/street judicial office and the committees under it."""

    key: str  # ASCII, used in usernames and codes
    name: str  # e.g. 百家街道
    township: bool
    committees: tuple[str, ...]


OFFICES: tuple[OfficeSpec, ...] = (
    OfficeSpec("baijia", "百家街道", False, (
        "百家社区", "建设社区", "育才社区", "新兴社区", "钢北社区", "钢南社区", "滏东社区",
        "朝阳社区",
    )),
    OfficeSpec("xiyuan", "西苑街道", False, (
        "西苑社区", "和平社区", "光明社区", "友谊社区", "联纺西社区", "春光社区", "丛西社区",
        "西环社区",
    )),
    OfficeSpec("shihua", "石化街道", False, (
        "石化社区", "化工社区", "炼油社区", "石油新村社区", "东风社区", "兴华社区", "新华社区",
    )),
    OfficeSpec("hualinlu", "化林路街道", False, (
        "化林路社区", "林荫社区", "花园社区", "康乐社区", "前进社区", "胜利社区", "光华社区",
    )),
    OfficeSpec("pengjiazhai", "彭家寨乡", True, (
        "彭家寨村", "东街村", "西街村", "北李庄村", "南李庄村", "张家庄村", "王家庄村", "小屯村",
        "大屯村", "孙庄村", "刘营村", "马庄村", "前郭庄村", "后郭庄村", "赵家堡村", "高庄村",
    )),
    OfficeSpec("kangzhuang", "康庄乡", True, (
        "康庄村", "东康庄村", "西康庄村", "杜家庄村", "石桥村", "尹家庄村", "北堡村", "南堡村",
        "吕家庄村", "郑庄村", "陈村", "苏里村", "田庄村", "韩屯村", "白寨村",
    )),
    OfficeSpec("shengliqiao", "胜利桥街道", False, (
        "胜利桥社区", "滏阳社区", "人民路社区", "复兴路社区", "桥西社区", "三堤社区", "新村社区",
    )),
    OfficeSpec("tieludayuan", "铁路大院街道", False, (
        "铁路大院社区", "车站社区", "机务段社区", "工务段社区", "铁西社区", "站前社区",
        "电务社区",
    )),
    OfficeSpec("gongcheng", "工程街道", False, (
        "工程社区", "电力社区", "建安社区", "水利社区", "创业社区", "利民社区", "安居社区",
    )),
    OfficeSpec("hucun", "户村镇", True, (
        "户村", "东户村", "西户村", "罗庄村", "霍庄村", "王化堡村", "东于口村", "西于口村",
        "李家村", "杨庄村", "前进村", "新庄村", "后屯村", "宋庄村", "冯庄村", "姚寨村",
    )),
    OfficeSpec("luochengtou", "罗城头街道", False, (
        "罗城头社区", "城南社区", "城北社区", "滏西社区", "和谐社区", "幸福社区", "永安社区",
    )),
)  # fmt: skip

ESTATES: tuple[str, ...] = (
    "钢城小区", "百家小区", "新兴小区", "化林小区", "石化生活区", "西苑小区", "铁路小区",
    "纺织小区", "电力小区", "建安小区", "幸福家园", "滏河花园", "复兴花园", "和平里",
    "光明里", "联纺小区", "春光小区", "机务段宿舍", "水利局宿舍", "工程处家属院",
)  # fmt: skip

LANES: tuple[str, ...] = ("前街", "后街", "东街", "西街", "南街", "北街", "中心街", "新街")

ROADS: tuple[str, ...] = (
    "复兴路", "人民路", "联纺路", "滏河大街", "建设大街", "前进大街", "光明大街",
    "化林路", "石化街", "西环路", "铁西大街", "百家大街",
)  # fmt: skip

TRADES: tuple[str, ...] = ("木工", "钢筋", "瓦工", "水电安装", "外墙保温", "防水")

COMPANIES: tuple[str, ...] = (
    "邯郸市复兴区宏达建筑劳务有限公司", "邯郸市鑫源建筑工程有限公司",
    "邯郸市复兴区顺通装饰工程有限公司", "邯郸市利华物业服务有限公司",
    "邯郸市安居物业管理有限公司", "邯郸市复兴区诚信家政服务部",
)  # fmt: skip

PROPERTY_COMPANIES: tuple[str, ...] = (
    "邯郸市利华物业服务有限公司", "邯郸市安居物业管理有限公司", "邯郸市复兴区佳园物业服务中心",
)  # fmt: skip


@dataclass(frozen=True)
class PartyProfile:
    """Who a story needs in a role: gender (None for either) and age range."""

    gender: Gender | None
    min_age: int
    max_age: int


ANY_ADULT = PartyProfile(None, 20, 82)
ELDER = PartyProfile(None, 70, 90)
WIFE = PartyProfile(Gender.FEMALE, 25, 58)
HUSBAND = PartyProfile(Gender.MALE, 26, 62)
SON = PartyProfile(Gender.MALE, 40, 62)
WORKER = PartyProfile(Gender.MALE, 22, 60)


@dataclass(frozen=True)
class DisputeTemplate:
    """One kind of dispute. Placeholders: {a} applicant, {b} respondent,
    {place}, {estate}, {building}, {floors}, {road}, {org}, {trade}, {amount},
    {months}, {days}, {width}, {workers}, {mu}."""

    category: CaseCategory
    title: str
    description: str
    weight: int
    amount: tuple[int, int] = (500, 5000)
    organisations: tuple[str, ...] = ()  # when set, the respondent is one of these
    applicant: PartyProfile | None = None
    respondent: PartyProfile | None = None


DISPUTES: tuple[DisputeTemplate, ...] = (
    DisputeTemplate(
        CaseCategory.NEIGHBOURHOOD, "{place}煤棚损坏赔偿纠纷",
        "申请人{a}反映，邻居{b}在清理院内杂物时碰倒其搭建在公共院内的煤棚，棚顶石棉瓦和储存的"
        "蜂窝煤损坏，要求赔偿{amount}元。{b}认为煤棚系私搭乱建且年久失修，只同意承担部分费用，"
        "双方多次争吵。", 8, (300, 2000),
    ),
    DisputeTemplate(
        CaseCategory.PROPERTY_MANAGEMENT, "{estate}{building}号楼加装电梯纠纷",
        "{estate}{building}号楼系上世纪九十年代建成的{floors}层老旧住宅，{a}等多数住户申请加装"
        "电梯并已筹集资金。一层住户{b}以影响采光、通风和出行为由反对施工，工程停滞，矛盾激化。",
        7, (20000, 80000),
    ),
    DisputeTemplate(
        CaseCategory.NEIGHBOURHOOD, "楼上噪音扰民纠纷",
        "{a}反映，楼上住户{b}家经常在夜间十点后拖动桌椅、孩子跑跳，严重影响其家中老人休息，"
        "多次上门沟通未果，曾报警处理。", 9,
    ),
    DisputeTemplate(
        CaseCategory.LAND, "{place}宅基地界址纠纷",
        "村民{a}与邻居{b}因宅基地界址发生争议。{b}翻建房屋时将院墙向{a}一侧延伸约{width}厘米，"
        "{a}要求拆除恢复原状，{b}称系按老界址施工。", 7,
    ),
    DisputeTemplate(
        CaseCategory.LABOUR, "拖欠农民工工资纠纷",
        "{a}等{workers}名工人在{org}承包的工地从事{trade}工作，工程结束后被拖欠工资共计{amount}"
        "元，多次讨要未果，申请调解。", 7, (8000, 90000), COMPANIES[:3], WORKER,
    ),
    DisputeTemplate(
        CaseCategory.MARRIAGE_FAMILY, "老人赡养纠纷",
        "{a}年过七旬，育有子女三人。因赡养费分担和轮流照料安排意见不一，其子{b}已{months}个月"
        "未支付赡养费，老人生活困难，申请调解。", 8, (300, 1200), (), ELDER, SON,
    ),
    DisputeTemplate(
        CaseCategory.MARRIAGE_FAMILY, "婚姻家庭矛盾纠纷",
        "{a}与丈夫{b}因家庭琐事和子女教育问题长期争吵，{a}提出离婚并要求分割共同财产，"
        "双方对房屋归属分歧较大。", 6, (500, 5000), (), WIFE, HUSBAND,
    ),
    DisputeTemplate(
        CaseCategory.DEBT_CONTRACT, "民间借贷纠纷",
        "{b}两年前向{a}借款{amount}元用于经营，约定一年内归还，至今未还。{a}多次催要，"
        "{b}以经营困难为由拖延。", 6, (5000, 100000),
    ),
    DisputeTemplate(
        CaseCategory.DAMAGES, "犬只咬伤赔偿纠纷",
        "{a}在{place}散步时被{b}饲养的犬只咬伤左腿，花去医疗费和疫苗费{amount}元，"
        "双方就赔偿金额协商不成。", 4, (800, 6000),
    ),
    DisputeTemplate(
        CaseCategory.DAMAGES, "楼上漏水致损纠纷",
        "{b}家卫生间防水层老化漏水，导致楼下{a}家顶棚、墙面和衣柜受损，{a}要求赔偿维修费用"
        "{amount}元，{b}认为损失没有那么大。", 6, (1000, 8000),
    ),
    DisputeTemplate(
        CaseCategory.PROPERTY_MANAGEMENT, "{estate}物业费缴纳纠纷",
        "业主{a}认为{org}对{estate}的卫生、安保和停车管理不到位，拒绝缴纳{months}个月物业费，"
        "物业公司停止为其办理门禁卡，双方发生冲突。", 5, (600, 3000), PROPERTY_COMPANIES,
    ),
    DisputeTemplate(
        CaseCategory.NEIGHBOURHOOD, "楼道堆物占用公共通道纠纷",
        "{b}在楼道及单元门口堆放废品和杂物，{a}等住户认为存在消防隐患、影响通行，要求清理，"
        "{b}拒绝。", 5,
    ),
    DisputeTemplate(
        CaseCategory.LAND, "{place}土地流转费纠纷",
        "村民{a}将承包的{mu}亩耕地流转给{b}种植，{b}拖欠流转费{amount}元，双方对合同续签"
        "发生争议。", 4, (3000, 30000),
    ),
    DisputeTemplate(
        CaseCategory.DAMAGES, "交通事故赔偿纠纷",
        "{b}驾驶电动三轮车在{road}与骑自行车的{a}相撞，致{a}受伤住院，交警认定{b}负主要责任，"
        "双方就赔偿数额未能达成一致。", 4, (5000, 40000),
    ),
    DisputeTemplate(
        CaseCategory.DEBT_CONTRACT, "房屋装修合同纠纷",
        "{a}雇请{b}装修住房，约定工期{days}天，{b}逾期一个多月未完工且部分墙面开裂，"
        "{a}拒付剩余工程款{amount}元。", 3, (5000, 30000),
    ),
    DisputeTemplate(
        CaseCategory.NEIGHBOURHOOD, "空调外机噪音纠纷",
        "{b}家新装空调外机正对{a}家卧室窗户，夏季昼夜运行噪音大、热风直吹，{a}要求移机，"
        "{b}以安装位置合规为由拒绝。", 3,
    ),
    DisputeTemplate(
        CaseCategory.OTHER, "红白事占道纠纷",
        "{b}家办丧事时在{place}主路搭设灵棚，占用道路三天，影响{a}等村民车辆通行，"
        "双方发生口角。", 2,
    ),
)  # fmt: skip

INVESTIGATION_NOTES: tuple[str, ...] = (
    "调解员到现场走访双方当事人及周边群众，查看现场并拍照，了解纠纷起因和双方诉求。",
    "分别约谈{a}和{b}，听取双方意见，收集相关票据、照片和聊天记录。",
    "会同网格员和村（居）委会干部现场勘查，核实争议事实，做好双方情绪疏导。",
)

SESSION_NOTES: tuple[str, ...] = (
    "在调委会调解室组织{a}、{b}面对面调解，释明相关法律规定，引导双方互谅互让。",
    "采用“背靠背”方式分别做双方工作，讲清利害关系，{b}态度有所松动。",
    "邀请双方亲属和村（居）委会干部参与调解，从邻里情、亲情入手化解矛盾。",
    "结合现场照片和相关票据逐项核对损失，提出调解方案供双方考虑。",
)

SPOT_NOTES: tuple[str, ...] = (
    "接到反映后调解员赶到现场，当场向{a}、{b}释法说理，双方各退一步。",
    "在纠纷现场组织双方协商，{b}当场表示愿意承担相应责任。",
    "网格员巡查时发现纠纷，调解员随即到场，劝导双方平和协商。",
)

SESSION_CONTINUED: tuple[str, ...] = (
    "双方分歧较大，约定再次调解",
    "双方初步达成共识，待进一步协商细节",
    "一方要求回去与家人商量，另行约定时间",
)

OUTCOME_AGREED = "达成调解协议，签署调解协议书"
OUTCOME_AGREED_ORAL = "当场调解成功，达成口头协议"
OUTCOME_FAILED = "调解不成，告知当事人可依法通过诉讼等途径解决"

FOLLOW_UP_NOTES: tuple[str, ...] = (
    "电话回访{a}，对方已按协议履行义务，双方关系缓和。",
    "上门回访，协议约定款项已付清，当事人对调解结果满意。",
    "回访双方当事人，协议基本履行完毕，未发现新的矛盾。",
)

FOLLOW_UP_OUTCOMES: tuple[str, ...] = ("协议已履行", "协议已履行", "部分履行，已督促按期履行")

CHECKIN_NOTES: tuple[str, ...] = (
    "按时报到，汇报近期思想、工作和生活情况，无异常。",
    "报到时称在本地务工，工作稳定，家庭关系和睦。",
    "核实所在位置，遵守监管规定，表现良好。",
    "参加本月集中教育学习和社区公益活动。",
    "报到并提交思想汇报，已提醒不得擅自离开居住地。",
)

CHECKIN_OUTCOMES: tuple[str, ...] = ("正常", "正常", "正常", "正常", "已提醒按时报到")

ENTRY_NOTE = "入矫宣告，告知矫正期间应遵守的规定和报到要求，首次报到。"
RELEASE_NOTE = "解矫宣告，矫正期满，依法解除社区矫正。"

HOME_VISIT_NOTES: tuple[str, ...] = (
    "走访社区矫正对象家庭，与其家属交谈，了解其近期生活和就业情况。",
    "会同村（社区）干部入户走访，对象在家，情绪稳定。",
    "走访对象工作单位和邻居，了解其日常表现，未发现异常。",
)
