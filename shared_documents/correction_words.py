"""The words the printed correction records use for the contract's values.

Documents are printed in Chinese whatever language the screen speaks (they
go into the subject's file and to the court), so these words live beside
the documents, not in the app's string tables.
"""

from typing import Final

from shared_models.domain.people import Gender
from shared_models.domain.subjects import CorrectionType

CORRECTION_TYPE_WORDS: Final = {
    CorrectionType.CONTROL: "管制",
    CorrectionType.SUSPENDED_SENTENCE: "缓刑",
    CorrectionType.PAROLE: "假释",
    CorrectionType.TEMPORARY_OUTSIDE: "暂予监外执行",
}

GENDER_WORDS: Final = {
    Gender.FEMALE: "女",
    Gender.MALE: "男",
    Gender.UNSPECIFIED: "",
}
