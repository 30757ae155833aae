"""A complete sample case file with signatures and camera-sized evidence
photos, shared by the renderer's tests and the case-file bench."""

import hashlib
import io
import random
import uuid
from datetime import date

from PIL import Image, ImageDraw

from shared_models.agreement_text import SignatureSlot, agreement_document
from shared_models.case_file import (
    CaseFile,
    FileCover,
    FileDocument,
    FileEntry,
    FileItem,
    FilePhoto,
    in_file_order,
)
from tests.shared_documents.test_agreement_pdf import png, sealed


def jpeg(seed: int, size: tuple[int, int] = (1600, 1200)) -> bytes:
    """A photo as the phone stores it (re-encoded JPEG), with some content."""
    rng = random.Random(seed)
    image = Image.new("RGB", size, (rng.randint(80, 200), rng.randint(80, 200), 160))
    draw = ImageDraw.Draw(image)
    for _ in range(30):
        x, y = rng.randint(0, size[0]), rng.randint(0, size[1])
        draw.rectangle((x, y, x + 200, y + 120), fill=(rng.randint(0, 255), 90, 60))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def _slot(label: str, name: str, images: dict[str, bytes]) -> SignatureSlot:
    data = png(name)
    sha = hashlib.sha256(data).hexdigest()
    images[sha] = data
    return SignatureSlot(
        label=label, signer_name=name, sha256=sha, signed_at="2026年11月20日 10:00"
    )


def sample_case_file(photos: int = 4) -> tuple[CaseFile, dict[str, bytes]]:
    """A case file from application to follow-up; ``photos`` evidence photos."""
    agreement, images = sealed()
    evidence: list[FilePhoto] = []
    for n in range(photos):
        data = jpeg(n)
        sha = hashlib.sha256(data).hexdigest()
        images[sha] = data
        evidence.append(FilePhoto(sha256=sha, caption=f"证据照片 {n + 1}：煤棚损坏情况"))
    both = (_slot("申请人", "李某", images), _slot("被申请人", "张某", images))
    documents = [
        FileDocument(
            item=FileItem.FOLLOW_UP,
            title="回访记录",
            day=date(2027, 1, 30),
            entries=(
                FileEntry(label="回访对象", value="李某、张某"),
                FileEntry(label="履行情况", value="第1项：已履行（已付800元）"),
                FileEntry(label="满意程度", value="满意"),
                FileEntry(label="有无反复", value="无"),
                FileEntry(label="回访人", value="王桂兰"),
            ),
        ),
        FileDocument(
            item=FileItem.APPLICATION,
            title="人民调解申请书",
            day=date(2026, 11, 3),
            entries=(
                FileEntry(label="申请人", value="李某，男，汉族，45岁，农民，住百家村三组"),
                FileEntry(label="被申请人", value="张某，男，汉族，52岁，农民，住百家村三组"),
                FileEntry(label="纠纷简要情况", value="被申请人修房时损坏申请人煤棚。" * 6),
                FileEntry(label="申请事项", value="请求被申请人赔偿损失800元。"),
            ),
            signatures=both[:1],
        ),
        FileDocument(
            item=FileItem.NOTICE,
            title="人民调解权利义务告知书",
            day=date(2026, 11, 3),
            entries=(FileEntry(label="告知内容", value="当事人在人民调解活动中享有下列权利……"),),
            signatures=both,
        ),
        FileDocument(
            item=FileItem.EVIDENCE,
            title="证据材料",
            day=date(2026, 11, 5),
            photos=tuple(evidence),
        ),
        FileDocument(
            item=FileItem.SESSION,
            title="调解记录",
            day=date(2026, 11, 20),
            entries=(
                FileEntry(label="时间", value="2026年11月20日 10:00"),
                FileEntry(label="地点", value="百家村调委会调解室"),
                FileEntry(label="在场人", value="李某、张某、王桂兰"),
                FileEntry(label="调解经过", value="双方陈述意见后，经调解员释法说理……"),
                FileEntry(label="结果", value="达成书面协议"),
            ),
            signatures=both,
        ),
        FileDocument(
            item=FileItem.RESULT,
            title="人民调解协议书",
            day=date(2026, 11, 28),
            agreement=agreement_document(uuid.UUID(int=7), agreement),
        ),
    ]
    cover = FileCover(
        committee="百家村人民调解委员会",
        case_number="（2026）百家人调字第12号",
        dispute_name="李某与张某损害赔偿纠纷",
        mediator="王桂兰",
        received_on=date(2026, 11, 3),
        closed_on=date(2027, 1, 30),
        filed_by="王桂兰",
        filed_on=date(2027, 2, 1),
        retention="长期",
    )
    return CaseFile(cover=cover, documents=in_file_order(documents)), images
