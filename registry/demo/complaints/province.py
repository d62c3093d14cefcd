"""The demo's complaints handled by 示例省's departments (in the province, and in 云岭市 about province
matters its own list lacks), told as in jiangchuan.py. Who acts: sthj_editor / sthj_head (生态环境厅, the
12369 desk), nync_head, zjt_head, slt_head, jtt_head, zrzyt_editor (a cooperating department),
province_office.
"""

from datetime import date, timedelta

from registry.complaints.models import Rating
from registry.demo.complaints import PROVINCE, YUNLING, _Demo

SATISFIED, UNSATISFIED = Rating.SATISFIED, Rating.UNSATISFIED


def tell(demo: _Demo) -> None:
    _recent(demo)
    _year_2025(demo)


def _recent(demo: _Demo) -> None:
    def back(n: int) -> date:
        return demo.back(n, PROVINCE)

    if s := demo.story(
        "XWK7HXUV6R",
        YUNLING,
        "建筑施工噪声污染防治",
        start=demo.back(9, YUNLING),
        at="23:40",
        place="滨江路与望江路交叉口东南角工地",
        happened_time="每天夜里十二点以后",
        description="滨江路这个工地每天半夜还在浇筑混凝土，搅拌车和振捣棒的声音一直响到凌晨三四点，附近几个小区都睡不好。",
        contact={"name": "李先生", "phone": "13800000201"},
        photos=("site",),
    ):
        s.accept(1, "zjt_head")
        s.note(
            3,
            "sthj_editor",
            "经查，该工地未办理夜间施工证明，已将监测到的夜间噪声数据（最高68分贝）提供给住房城乡建设厅。",
        )

    if s := demo.story(
        "96TNWGBR5R",
        PROVINCE,
        "入河入海排污口设置管理",
        start=back(40),
        at="17:35",
        place="清河县城东大桥下游约200米北岸河堤",
        happened_time="下午五点左右排放",
        description="河堤下面有一根暗管，每天下午排出黄色的污水，河面上有泡沫，附近能闻到刺鼻气味。",
        contact={"name": "何先生", "phone": "13800000202"},
        photos=("water",),
    ):
        s.accept(1, "sthj_editor")
        s.note(4, "slt_head", "该河段排污口未在我厅河湖管理范围内备案，建议按未经审批设置排污口依法查处。")
        s.answer(
            12,
            "sthj_editor",
            "经现场核查，暗管系上游一家印染企业私设，排放废水超标。我厅已责令其立即封堵暗管、停产整改，"
            "依法予以罚款，并将该排口纳入入河排污口名录动态监管。整改后现场照片见附件。",
            attachment="整改后现场照片.jpg",
        )
        s.rate(14, SATISFIED, "暗管已经封了，谢谢。")

    if s := demo.story(
        "CR4CVKV9ZN",
        PROVINCE,
        "畜禽养殖污染防治",
        start=back(50),
        at="11:20",
        place="清河县沙河镇王庄村村东养猪场",
        happened_time="下雨天排得最多",
        description="村东的养猪场把猪粪水直接排进旁边的沟渠，流到下游的稻田里，臭味很大，田里的秧苗都发黄了。",
        contact={"name": "王女士", "phone": "13800000203"},
    ):
        s.accept(2, "nync_head")
        s.note(5, "sthj_editor", "我厅清河县分局已对沟渠水质采样，化学需氧量和氨氮严重超标，已立案调查。")
        s.answer(
            14,
            "nync_head",
            "经查，该养猪场粪污贮存池容量不足，雨天发生溢流。已督促其扩建贮存池、配套粪污处理设施，"
            "并由生态环境部门依法立案处罚。",
        )
        s.rate(17, UNSATISFIED, "设施还没建好，下雨天还在往外流。")
        s.uphold(
            21,
            "province_office",
            "经复核，承办部门已督促整改并依法处罚，贮存池扩建工程已开工、预计一个月内完工，维持办结；"
            "请清河县在完工后组织复查。",
        )

    if s := demo.story(
        "WJJQ299GSW",
        PROVINCE,
        None,
        start=back(28),
        at="10:15",
        place="清河县城区建设路排水渠（建设路桥至人民公园段）",
        happened=None,
        happened_time="今年夏天以来",
        description="建设路边的排水渠水是黑的，有臭味，渠里堆满垃圾，不知道归谁管。",
        contact={"name": "冯先生", "phone": "13800000204"},
    ):
        s.transfer(
            1,
            "sthj_editor",
            "省住房和城乡建设厅",
            "城市黑臭水体治理",
            "城市建成区排水渠黑臭属城市黑臭水体治理，由省住房和城乡建设厅牵头，转请办理。",
        )
        s.accept(2, "zjt_head")
        s.answer(
            13,
            "zjt_head",
            "已督促清河县住房和城乡建设局清理渠内垃圾、清淤，并对建设路沿线12处雨污混接点完成改造，"
            "排水渠已纳入城市黑臭水体日常巡查。",
        )
        s.rate(16, UNSATISFIED, "渠里的垃圾清了，但水还是黑的，上游还有污水排进来。")

    demo.story(  # new and anonymous
        "5F68D9QF2Y",
        PROVINCE,
        "秸秆露天焚烧管控与综合利用",
        start=back(1),
        at="15:25",
        place="清河县高速公路出口东侧农田",
        happened_time="下午三点左右",
        description="高速出口旁边一大片农田在烧秸秆，烟雾飘到高速公路上，能见度很低，很危险。",
        photos=("smoke",),
    )

    if s := demo.story(
        "DTJ5C3SY8R",
        PROVINCE,
        "危险废物环境监管",
        start=back(15),
        at="13:50",
        place="清河县化工园区北侧废弃厂房",
        happened_time="发现于上周",
        description="化工园区北边的废弃厂房里堆了几百个铁桶，有的已经锈穿，地上流着黑色液体，味道很冲。",
        contact={"name": "褚先生", "phone": "13800000205"},
        photos=("drums",),
    ):
        s.accept(1, "sthj_editor")
        s.ask_extension(
            13,
            "sthj_editor",
            "铁桶内物质需逐桶取样鉴别，并追查原产废单位，鉴别报告需20个工作日，申请延期。",
        )

    if s := demo.story(
        "ED3VKHJNQJ",
        PROVINCE,
        None,
        start=back(20),
        at="09:40",
        place="清河县经济开发区",
        description="开发区新建的化工项目环评批复有问题，离居民区太近，要求撤销环评批复。",
        contact={"name": "卫先生", "phone": "13800000206"},
    ):
        s.reject(
            2,
            "sthj_head",
            "您对建设项目环境影响评价批复有异议，依法可在知道该批复之日起六十日内申请行政复议，"
            "由省司法厅（省人民政府行政复议机构）办理，或依法提起行政诉讼。",
            "省司法厅",
        )

    if s := demo.story(
        "AVAM7CMMCG",
        PROVINCE,
        "河湖长制与河湖岸线管理",
        start=back(30),
        at="16:05",
        place="清河县白沙洲河段西岸",
        happened_time="每天夜里",
        description="白沙洲河段有人夜里用挖掘机偷采河砂，岸边堆了好几座砂山，河岸被挖塌了一大块。",
        contact={"name": "蒋先生", "phone": "13800000207"},
        photos=("sand",),
    ):
        s.accept(1, "slt_head")  # and no reply yet: past its reply deadline
        s.note(4, "zrzyt_editor", "经核对，该区域不在已出让的采砂权范围内，我厅可配合提供河道管理范围线和用地数据。")

    demo.story(  # new, past its 受理 deadline
        "VRGQVTJU6B",
        YUNLING,
        "交通运输噪声污染防治",
        start=demo.back(5, YUNLING),
        at="23:55",
        place="国道320线云岭北互通至城北小区段",
        happened_time="每天夜里十一点以后",
        description="国道改线以后大货车夜里从小区旁边过，鸣笛和刹车声不断，希望装隔音屏、禁止夜间鸣笛。",
        contact={"name": "沈女士", "phone": "13800000208"},
    )

    # An old one: closed more than two years ago, its contact details since erased.
    start = demo.working_day(demo.today - timedelta(days=780), PROVINCE)
    if s := demo.story(
        "XHC8K8KKAA",
        PROVINCE,
        "挥发性有机物综合治理",
        start=start,
        at="10:30",
        place="清河县城南汽修一条街",
        happened_time="白天",
        description="汽修街几家店在露天喷漆，没有任何废气处理，油漆味很重，路过都要捂鼻子。",
        contact={"name": "韩先生", "phone": "13800000209"},
    ):
        s.accept(1, "sthj_editor")
        s.answer(
            10,
            "sthj_editor",
            "已责令4家汽修店停止露天喷漆，限期建设密闭喷漆房并配套废气治理设施，整改已完成。",
        )
        s.rate(12, SATISFIED)
        s.erase_contact()


def _year_2025(demo: _Demo) -> None:
    """Closed in 2025, for that year's figures (fixed days, all working days)."""
    if s := demo.story(
        "WEFVV38NTZ",
        PROVINCE,
        "秸秆露天焚烧管控与综合利用",
        start=date(2025, 6, 9),
        at="19:00",
        place="清河县新桥镇麦田",
        happened_time="麦收以后的傍晚",
        description="新桥镇麦收以后好几块地在焚烧秸秆，烟雾很大。",
        contact={"name": "杨先生", "phone": "13800000301"},
    ):
        s.accept(1, "nync_head")
        s.note(2, "sthj_editor", "卫星遥感在新桥镇监测到3个火点，位置已推送农业农村厅。")
        s.answer(7, "nync_head", "已督促新桥镇落实网格化巡查，3处火点均已处置，责任人已被处罚，秸秆离田收储已安排。")
        s.rate(9, SATISFIED)

    if s := demo.story(
        "G8AF6HRW2P",
        PROVINCE,
        "工业企业大气污染防治与超低排放改造",
        start=date(2025, 11, 10),
        at="21:30",
        place="清河县城南工业园区铸造厂",
        happened_time="晚上",
        description="工业园区一家铸造厂晚上冒黄烟，气味刺鼻。",
        contact={"name": "朱女士", "email": "zhu@example.com"},
    ):
        s.accept(1, "sthj_editor")
        s.answer(
            12, "sthj_editor", "经夜间突击检查，该厂除尘设施未正常运行，已责令停产整改并依法处罚，复查合格后恢复生产。"
        )

    if s := demo.story(
        "JE7XNWJFBA",
        PROVINCE,
        "建筑施工扬尘污染防治",
        start=date(2025, 4, 14),
        at="12:10",
        place="清河县人民路安置小区工地",
        happened_time="刮风天",
        description="安置小区工地土方没有覆盖，车辆出入不冲洗，刮风时整条街都是灰。",
        contact={"name": "秦先生", "phone": "13800000302"},
    ):
        s.accept(2, "zjt_head")
        s.note(5, "jtt_head", "渣土运输车辆未密闭的问题，已通报清河县交通运输局一并查处。")
        s.answer(22, "zjt_head", "已责令工地覆盖裸土、安装车辆冲洗设施，并对施工单位予以处罚。")  # late

    if s := demo.story(
        "75WFVC2ESJ",
        PROVINCE,
        "化肥农药减量增效",
        start=date(2025, 9, 15),
        at="08:20",
        place="清河县沙河镇稻田沟渠",
        description="田边沟渠里到处都是农药瓶和农药袋，下雨就冲到河里。",
    ):
        s.accept(1, "nync_head")
        s.answer(10, "nync_head", "已组织沙河镇开展农药包装废弃物集中清理，并在村里设立回收点，实行有偿回收。")
