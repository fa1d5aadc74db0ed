"""A deterministic synthetic population for the demo, the tests and the benchmarks.

``Population(size, seed, today)`` always gives the same people, accounts, grants and
documents. A handful of fixed demo people carry every edge case of the order (see
docs/upstream.md, "Demo accounts"); the rest are generated, their documents in the
shapes and shares of a clinic's EMR (``kiosk.sim.clinic``). Documents are produced
lazily by ``documents()`` from a per-patient random stream, so a 200k-document
population costs nothing until the simulator indexes it, and one EMR can be given
50,000 documents for the benchmarks (``big_emr_docs``).

Everything is relative to ``today`` where the rules are (a child turning 15 today or
tomorrow) and absolute where the order's cut-offs are (2016, 2017, 2019).
"""

from __future__ import annotations

import functools
import random
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple

from kiosk.domain.documents import DocKind
from kiosk.domain.grants import Relation
from kiosk.domain.people import Sex
from kiosk.sim import clinic
from kiosk.sim.clinic import BIOCHEM_FULL as _BIOCHEM_FULL
from kiosk.sim.clinic import CBC_FULL as _CBC_FULL

DEMO_PASSWORD = "demo1234"


@dataclass(frozen=True, slots=True)
class SimPatient:
    emr_id: str
    family: str
    given: str
    patronymic: str | None
    birth_date: date
    sex: Sex


class SimObservation(NamedTuple):
    """One measured value of a report. A named tuple: a 200k-document population makes
    over a million, and a frozen dataclass's constructor costs five times as much."""

    name: str
    value: float
    unit: str
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True, slots=True)
class SimDocument:
    """One document as the simulated EMR holds it, before FHIR rendering."""

    fhir_id: str
    emr_id: str
    kind: DocKind
    created_at: datetime
    title: str
    organization: str
    performer: str
    text: str
    radiology: bool = False
    withdrawn: bool = False
    observations: tuple[SimObservation, ...] = ()
    #: HTML as a clinic's system writes it (sent as a text/html attachment); ``text`` is
    #: then not sent. ``pdf``: a PDF report sent with a report's conclusion.
    html: str = ""
    pdf: bytes | None = None

    @property
    def resource_type(self) -> str:
        if self.kind in (DocKind.EXAM_PROTOCOL, DocKind.DISCHARGE_SUMMARY):
            return "DocumentReference"
        return "DiagnosticReport"

    @property
    def doc_id(self) -> str:
        """The id the kiosk stores: unique across resource types."""
        return f"{self.resource_type}/{self.fhir_id}"


@dataclass(frozen=True, slots=True)
class SimGrant:
    subject: str
    emr_id: str
    relation: Relation
    patient_birth_date: date
    phone: str
    approved_at: datetime
    revoked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class SimAccount:
    """A portal account. ``note`` says what the account demonstrates (demo side panel)."""

    login: str
    password: str
    subject: str
    level: str  # simplified | standard | full
    note: str = ""
    emr_id: str | None = None  # the account holder's own EMR, if any


@dataclass(frozen=True, slots=True)
class DemoAccount:
    login: str
    password: str
    level: str
    note: str


# ---------------------------------------------------------------- word lists

_MALE = ["Иван", "Пётр", "Алексей", "Дмитрий", "Сергей", "Андрей", "Михаил", "Николай",
         "Артём", "Егор", "Максим", "Павел", "Роман", "Олег", "Фёдор", "Григорий"]
_FEMALE = ["Анна", "Мария", "Елена", "Ольга", "Татьяна", "Наталья", "Ирина", "Светлана",
           "Дарья", "Полина", "Ксения", "Вера", "Софья", "Алиса", "Галина", "Юлия"]
_FATHERS = [("Иванович", "Ивановна"), ("Петрович", "Петровна"), ("Алексеевич", "Алексеевна"),
            ("Дмитриевич", "Дмитриевна"), ("Сергеевич", "Сергеевна"), ("Андреевич", "Андреевна"),
            ("Михайлович", "Михайловна"), ("Николаевич", "Николаевна"), ("Павлович", "Павловна"),
            ("Олегович", "Олеговна"), ("Викторович", "Викторовна"), ("Игоревич", "Игоревна"),
            ("Юрьевич", "Юрьевна")]
_SURNAMES = ["Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов",
             "Михайлов", "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев",
             "Семёнов", "Егоров", "Павлов", "Козлов", "Степанов", "Николаев"]
_ORGS = ["ГБУЗ «ГП № 2 ДЗМ»", "ГБУЗ «ГКБ им. С. П. Боткина ДЗМ»", "ГБУЗ «ДГП № 32 ДЗМ»",
         "ГБУЗ «ГКБ № 52 ДЗМ»", "ГБУЗ «КДЦ № 4 ДЗМ»"]
_DOCTORS = ["Орлова Н. В.", "Гусев А. П.", "Белова Е. С.", "Титов М. И.", "Зайцева О. Л."]
_COMPLAINTS = ["кашель", "головную боль", "боль в горле", "слабость", "боль в спине",
               "повышение температуры", "заложенность носа"]
_DIAGNOSES = ["ОРВИ (J06.9)", "Остеохондроз (M42.1)", "Гипертензия (I10)",
              "Острый фарингит (J02.9)", "Здоров (Z00.0)"]
#: The short blood count of the documents on the order's date boundaries.
_BOUNDARY_CBC = [("Гемоглобин", 120, 160, "г/л"), ("Эритроциты", 3.9, 5.5, "10*12/л"),
                 ("Лейкоциты", 4.0, 9.0, "10*9/л")]
#: Viktor's two studies of the radiology service (ЕРИС), from 2016.
_STUDIES = [("Рентгенография органов грудной клетки",
             "Очаговых и инфильтративных изменений не выявлено."),
            ("КТ головного мозга", "Патологических изменений не выявлено.")]

_HISTORY = ["связывает с переохлаждением", "связывает с контактом с больным ОРВИ",
            "началось постепенно, без видимой причины", "после физической нагрузки"]
_TAKEN = ["парацетамол", "ибупрофен", "обильное тёплое питьё", "ничего не принимал(а)"]
_ADVICE = ["обильное тёплое питьё, полоскание горла", "ограничение физических нагрузок, ЛФК",
           "контроль АД дважды в день, ведение дневника", "режим дня, сбалансированное питание"]


def _exam_text(rng: random.Random) -> str:
    """A protocol as plain text, as older systems send it (~500 characters, five parts)."""
    return (
        f"Жалобы: на {rng.choice(_COMPLAINTS)}, {rng.choice(_COMPLAINTS)}.\n"
        f"Анамнез заболевания: болеет {rng.randint(1, 14)} дн., "
        f"{rng.choice(_HISTORY)}. Принимал(а): {rng.choice(_TAKEN)}.\n"
        f"Объективно: состояние удовлетворительное. Кожные покровы обычной окраски. "
        f"Температура тела {rng.randint(360, 389) / 10:.1f} °C. "
        f"АД {rng.randint(100, 160)}/{rng.randint(60, 100)} мм рт. ст., "
        f"ЧСС {rng.randint(58, 104)} в минуту. Дыхание везикулярное, хрипов нет. "
        f"Живот мягкий, безболезненный.\n"
        f"Диагноз: {rng.choice(_DIAGNOSES)}.\n"
        f"Рекомендации: {rng.choice(_ADVICE)}. Повторный приём через "
        f"{rng.randint(3, 14)} дн."
    )


# ---------------------------------------------------------------- rich demo documents

_EXAM_HTML = """<div><h2>Протокол осмотра врача-терапевта участкового</h2>
<h3>Жалобы</h3><p>На сухой кашель, першение в горле, слабость, повышение температуры
тела до 37,9 °C в течение 3 дней.</p>
<h3>Анамнез заболевания</h3><p>Заболел(а) остро, связывает с переохлаждением. Принимал(а)
парацетамол 500 мг при повышении температуры — с кратковременным эффектом.</p>
<h3>Анамнез жизни</h3><ul><li>Хронические заболевания: отрицает.</li>
<li>Аллергологический анамнез: не отягощён.</li><li>Вакцинация против гриппа: октябрь.</li></ul>
<h3>Объективный статус</h3><table><tbody>
<tr><td>Температура тела</td><td>37,6 °C</td></tr><tr><td>АД</td><td>128/82 мм рт. ст.</td></tr>
<tr><td>ЧСС</td><td>86 в минуту</td></tr><tr><td>ЧДД</td><td>18 в минуту</td></tr>
<tr><td>SpO<sub>2</sub></td><td>97 %</td></tr></tbody></table>
<p>Состояние удовлетворительное. Зев гиперемирован, миндалины не увеличены. Дыхание
везикулярное, проводится во все отделы, хрипов нет. Живот мягкий, безболезненный.</p>
<h3>Диагноз</h3><p><b>J06.9</b> Острая инфекция верхних дыхательных путей неуточнённая.</p>
<h3>Рекомендации</h3><ol><li>Режим домашний, обильное тёплое питьё.</li>
<li>Парацетамол 500 мг при температуре выше 38,5 °C, не более 4 раз в сутки.</li>
<li>Полоскание горла 4–5 раз в день.</li>
<li>Повторный приём через 5 дней; при одышке или температуре выше 39 °C — вызов врача
на дом.</li></ol><p>Листок нетрудоспособности: открыт.</p></div>"""

_DISCHARGE_HTML = """<div><h2>Выписной эпикриз</h2>
<p><b>Отделение:</b> кардиологическое. <b>Госпитализация:</b> экстренная, 9 койко-дней.</p>
<h3>Диагноз</h3><p><b>Основной:</b> I11.9 Гипертоническая болезнь II стадии, степень АГ 2,
риск ССО 3.</p><p><b>Сопутствующий:</b> E78.0 Гиперхолестеринемия.</p>
<h3>Жалобы при поступлении</h3><p>Головная боль в затылочной области, головокружение,
АД до 185/105 мм рт. ст.</p>
<h3>Проведённое обследование</h3><ul><li>ЭКГ: ритм синусовый, признаки гипертрофии левого
желудочка.</li><li>ЭхоКГ: ФВ 62 %, гипертрофия межжелудочковой перегородки до 12 мм.</li>
<li>СМАД: среднесуточное АД 142/88 мм рт. ст.</li><li>Липидограмма: ЛПНП 3,9 ммоль/л.</li></ul>
<h3>Проведённое лечение</h3><p>Периндоприл, амлодипин, аторвастатин; на фоне лечения АД
стабилизировалось на уровне 125–135/80–85 мм рт. ст.</p>
<h3>Рекомендации</h3><ol><li>Наблюдение терапевта по месту жительства через 7 дней.</li>
<li>Периндоприл 5 мг утром, амлодипин 5 мг вечером — постоянно.</li>
<li>Аторвастатин 20 мг вечером, контроль липидограммы через 3 месяца.</li>
<li>Ограничение соли до 5 г в сутки, контроль АД дважды в день.</li></ol></div>"""


@functools.cache
def _ecg_pdf() -> bytes:
    """A one-page ECG print-out as a PDF, written by hand (no PDF library in the sim):
    a millimetre grid, three leads of a sinus rhythm and the machine's Latin header,
    which is how ECG carts print. Built once per process."""
    import math

    ops = ["0.95 0.75 0.75 RG 0.3 w"]
    for x in range(40, 560, 10):
        ops.append(f"{x} 430 m {x} 760 l S")
    for y in range(430, 770, 10):
        ops.append(f"40 {y} m 550 {y} l S")
    ops.append("0 0 0 RG 1 w")
    for lead, base in enumerate((700, 600, 500)):
        pts = []
        for i in range(0, 511):
            t = (i % 85) / 85
            v = 0.0
            v += 6 * math.exp(-((t - 0.18) / 0.035) ** 2)  # P
            v += -5 * math.exp(-((t - 0.33) / 0.01) ** 2)  # Q
            v += (38 - 8 * lead) * math.exp(-((t - 0.36) / 0.012) ** 2)  # R
            v += -9 * math.exp(-((t - 0.39) / 0.012) ** 2)  # S
            v += 10 * math.exp(-((t - 0.62) / 0.06) ** 2)  # T
            pts.append(f"{40 + i} {base + v:.1f}")
        ops.append(pts[0] + " m " + " ".join(p + " l" for p in pts[1:]) + " S")
    lines = ["ECG 12-lead  25 mm/s  10 mm/mV  0.05-150 Hz",
             "HR 72 bpm   PR 158 ms   QRS 92 ms   QT/QTc 384/420 ms   Axis +45",
             "Sinus rhythm. Left ventricular hypertrophy criteria (Sokolow-Lyon)."]
    text = ["BT /F1 11 Tf 40 800 Td"]
    for i, line in enumerate(lines):
        text.append(("" if i == 0 else "0 -16 Td ") + f"({line}) Tj")
    text.append("ET")
    for lead, (name, base) in enumerate((("I", 700), ("II", 600), ("V5", 500))):
        text.append(f"BT /F1 10 Tf 44 {base + 40 + lead * 0} Td ({name}) Tj ET")
    return clinic.write_pdf(["\n".join(ops + text).encode("ascii")])


def _panel(rows: list[tuple[str, float, float, str, float]]) -> tuple[SimObservation, ...]:
    return tuple(SimObservation(n, v, u, lo, hi) for n, lo, hi, u, v in rows)


#: The demo EMRs' earlier results of the same panels (issue 16 item 6: with one blood
#: count each the demo showed no trend). Analytes with a story of their own — the
#: haemoglobin and ferritin falling into an iron deficiency, the white cells and ESR
#: rising with the latest infection, the cholesterol creeping up — take these values,
#: oldest first; every other analyte stays near its latest value.
_CBC_DATES = (datetime(2023, 3, 14, 5, 30, tzinfo=UTC), datetime(2024, 2, 20, 5, 50, tzinfo=UTC),
              datetime(2025, 1, 28, 6, 10, tzinfo=UTC), datetime(2025, 9, 10, 5, 40, tzinfo=UTC))
_BIOCHEM_DATES = (_CBC_DATES[0] + timedelta(minutes=5), _CBC_DATES[2] + timedelta(minutes=5))
_STORIES: dict[str, tuple[float, ...]] = {
    "Гемоглобин (HGB)": (131, 127, 121, 116), "Гематокрит (HCT)": (39.8, 38.2, 36.4, 35.0),
    "Лейкоциты (WBC)": (6.2, 7.1, 5.8, 9.4), "Нейтрофилы, %": (58.1, 61.4, 55.2, 70.8),
    "СОЭ (по Вестергрену)": (8, 12, 10, 22), "Тромбоциты (PLT)": (248, 271, 239, 255),
    "Ферритин": (38, 15), "Железо": (14.2, 7.4),
    "Холестерин общий": (4.9, 5.6), "ЛПНП": (2.7, 3.4), "Глюкоза": (5.2, 5.9),
}


def _earlier(rows: list[tuple[str, float, float, str, float]], index: int,
             count: int) -> tuple[SimObservation, ...]:
    """The panel ``rows`` as measured ``count - index`` visits before the latest one: a
    story's value, or the latest value moved by a few per cent (deterministic)."""
    out = []
    for name, lo, hi, unit, latest in rows:
        story = _STORIES.get(name)
        if story is not None and len(story) == count:
            value = story[index]
        else:
            step = (zlib.crc32(f"{name}:{index}".encode()) % 13 - 6) / 100  # −6 … +6 %
            if isinstance(latest, float):
                value = round(latest * (1 + step), len(str(latest).split(".")[1]))
            else:
                value = round(latest * (1 + step))
        out.append(SimObservation(name, value, unit, lo, hi))
    return tuple(out)


#: The order's cut-off instants and their neighbours, in UTC (Moscow is UTC+3).
SHOWN_EXAM = datetime(2016, 12, 31, 21, 30, tzinfo=UTC)  # 01.01.2017 00:30 MSK
HIDDEN_EXAM = datetime(2016, 12, 31, 20, 30, tzinfo=UTC)  # 31.12.2016 23:30 MSK
SHOWN_2019 = datetime(2018, 12, 31, 21, 0, tzinfo=UTC)  # 01.01.2019 00:00 MSK
HIDDEN_2019 = datetime(2018, 12, 31, 20, 59, tzinfo=UTC)  # 31.12.2018 23:59 MSK
SHOWN_RADIOLOGY = datetime(2015, 12, 31, 21, 0, tzinfo=UTC)  # 01.01.2016 00:00 MSK
HIDDEN_RADIOLOGY = datetime(2015, 12, 31, 20, 59, tzinfo=UTC)  # 31.12.2015 23:59 MSK
RADIOLOGY_2016 = datetime(2016, 6, 15, 7, 0, tzinfo=UTC)

HTML_TEXT = (
    "<script>alert('xss')</script>\n<b>Жалобы</b> на кашель & насморк.\n"
    "<img src=x onerror=alert(1)> Объективно: <i>зев гиперемирован</i>."
)

_START = datetime(2014, 1, 1, 6, 0, tzinfo=UTC)


def _years_before(day: date, years: int) -> date:
    """The birth date of someone who turns ``years`` on ``day``."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # today is 29 February; born 29 Feb turns on 1 March, pick 28th
        return date(day.year - years, 2, 28)


@dataclass
class Population:
    """People, portal accounts, registry grants and (lazily) EMR documents."""

    size: int = 50
    seed: int = 1
    today: date = field(default_factory=lambda: datetime.now(UTC).date())
    docs_per_patient: int = 8
    big_emr_docs: int = 0

    patients: list[SimPatient] = field(init=False)
    accounts: list[SimAccount] = field(init=False)
    grants: list[SimGrant] = field(init=False)

    def __post_init__(self) -> None:
        self.patients, self.accounts, self.grants = [], [], []
        self._fixed()
        self._generated()

    # ------------------------------------------------------------------ public

    def demo_accounts(self) -> list[DemoAccount]:
        """The fixed accounts with their passwords, for the demo's side panel."""
        return [
            DemoAccount(a.login, a.password, a.level, a.note)
            for a in self.accounts
            if a.note
        ]

    def documents(self) -> Iterator[SimDocument]:
        """Every document, fixed people first; deterministic and lazy."""
        yield from self._fixed_documents()
        for idx, patient in enumerate(self.patients):
            if patient.emr_id.startswith("p"):
                yield from self._random_documents(idx, patient, self.docs_per_patient)
        if self.big_emr_docs:
            yield from self._random_documents(-1, self.patients[8], self.big_emr_docs, "big")

    def account(self, login: str) -> SimAccount:
        return next(a for a in self.accounts if a.login == login)

    def patient(self, emr_id: str) -> SimPatient:
        return next(p for p in self.patients if p.emr_id == emr_id)

    # ------------------------------------------------------------------ fixed people

    def _fixed(self) -> None:
        t = self.today
        approved = datetime(2023, 5, 10, 9, 0, tzinfo=UTC)
        add_p = self.patients.append
        add_p(SimPatient("1001", "Смирнова", "Анна", "Сергеевна", date(1985, 3, 14), Sex.FEMALE))
        add_p(SimPatient("1002", "Смирнов", "Пётр", "Андреевич",
                         _years_before(t + timedelta(days=1), 15), Sex.MALE))
        add_p(SimPatient("1003", "Смирнова", "Мария", "Андреевна",
                         _years_before(t, 8) - timedelta(days=40), Sex.FEMALE))
        add_p(SimPatient("1004", "Смирнов", "Илья", "Андреевич",
                         _years_before(t, 11) - timedelta(days=100), Sex.MALE))
        add_p(SimPatient("1005", "Римская-Корсакова", "Елена", "Викторовна",
                         date(1979, 11, 2), Sex.FEMALE))
        add_p(SimPatient("1006", "Римский-Корсаков", "Артём", "Олегович",
                         _years_before(t, 15), Sex.MALE))
        add_p(SimPatient("1007", "Ким", "Виктор", None, date(1988, 2, 29), Sex.MALE))
        add_p(SimPatient("1008", "Кузнецова", "Ольга", "Игоревна", date(1990, 7, 7), Sex.FEMALE))
        add_p(SimPatient("1009", "Большаков", "Борис", "Борисович", date(1960, 1, 20), Sex.MALE))
        pw = DEMO_PASSWORD
        acc = self.accounts.append
        acc(SimAccount("anna", pw, "u-anna", "standard",
                       "Мать: своя ЭМК, сын (15 лет завтра), дочь; доступ к ЭМК ещё одного "
                       "сына отозван; документы на всех границах дат, HTML в тексте", "1001"))
        acc(SimAccount("elena", pw, "u-elena", "full",
                       "Двойная фамилия; сыну 15 лет сегодня (доступ закончился)", "1005"))
        acc(SimAccount("viktor", pw, "u-viktor", "standard",
                       "Без отчества, родился 29 февраля; снимки ЕРИС с 2016 года", "1007"))
        acc(SimAccount("olga", pw, "u-olga", "simplified",
                       "Упрощённая учётная запись портала: вход запрещён", "1008"))
        acc(SimAccount("sergey", pw, "u-sergey", "standard",
                       "Нет ни одного доступа к ЭМК"))
        acc(SimAccount("boris", pw, "u-boris", "full",
                       "Большая ЭМК (для замеров скорости)", "1009"))
        g = self.grants.append
        p = {x.emr_id: x for x in self.patients}
        g(SimGrant("u-anna", "1001", Relation.SELF, p["1001"].birth_date, "+79161234567",
                   approved))
        g(SimGrant("u-anna", "1002", Relation.CHILD, p["1002"].birth_date, "+79161234567",
                   approved + timedelta(days=1)))
        g(SimGrant("u-anna", "1003", Relation.CHILD, p["1003"].birth_date, "+79167654321",
                   approved + timedelta(days=2)))
        g(SimGrant("u-anna", "1004", Relation.CHILD, p["1004"].birth_date, "+79161234567",
                   approved + timedelta(days=3),
                   revoked_at=datetime(2024, 2, 1, 12, 0, tzinfo=UTC)))
        g(SimGrant("u-elena", "1005", Relation.SELF, p["1005"].birth_date, "+79035550011",
                   approved))
        g(SimGrant("u-elena", "1006", Relation.CHILD, p["1006"].birth_date, "+79035550011",
                   approved + timedelta(hours=1)))
        g(SimGrant("u-viktor", "1007", Relation.SELF, p["1007"].birth_date, "8 (926) 111-22-33",
                   approved))
        g(SimGrant("u-olga", "1008", Relation.SELF, p["1008"].birth_date, "+79857770099",
                   approved))
        g(SimGrant("u-boris", "1009", Relation.SELF, p["1009"].birth_date, "+79990001122",
                   approved))

    def _fixed_documents(self) -> Iterator[SimDocument]:
        org, doc = _ORGS[0], _DOCTORS[0]
        exam = "Протокол осмотра терапевта"

        def d(fid: str, emr: str, kind: DocKind, at: datetime, title: str, text: str, *,
              radiology: bool = False, withdrawn: bool = False,
              observations: tuple[SimObservation, ...] = (), html: str = "",
              pdf: bytes | None = None) -> SimDocument:
            return SimDocument(fid, emr, kind, at, title, org, doc, text, radiology=radiology,
                               withdrawn=withdrawn, observations=observations, html=html,
                               pdf=pdf)

        cbc = tuple(SimObservation(n, round((lo + hi) / 2, 2), u, lo, hi)
                    for n, lo, hi, u in _BOUNDARY_CBC)
        for emr in ("1001", "1002", "1003", "1004", "1005", "1006", "1008"):
            yield d(f"x-{emr}-exam-shown", emr, DocKind.EXAM_PROTOCOL, SHOWN_EXAM, exam,
                    "Осмотр в новогоднюю ночь (01.01.2017 00:30 МСК): показан.")
            yield d(f"x-{emr}-exam-hidden", emr, DocKind.EXAM_PROTOCOL, HIDDEN_EXAM, exam,
                    "Осмотр 31.12.2016 23:30 МСК: скрыт.")
            yield d(f"x-{emr}-exam-recent", emr, DocKind.EXAM_PROTOCOL,
                    datetime(2024, 3, 5, 8, 15, tzinfo=UTC), exam,
                    "Жалобы на кашель. Диагноз: ОРВИ (J06.9). Рекомендовано: обильное питьё.")
        e = "1001"
        yield d("x-1001-html", e, DocKind.EXAM_PROTOCOL, datetime(2023, 9, 1, 7, 0, tzinfo=UTC),
                "Осмотр оториноларинголога <b>ЛОР</b>", HTML_TEXT)
        yield d("x-1001-disch-shown", e, DocKind.DISCHARGE_SUMMARY, SHOWN_2019,
                "Выписной эпикриз", "Выписана 01.01.2019 00:00 МСК: показан.")
        yield d("x-1001-disch-hidden", e, DocKind.DISCHARGE_SUMMARY, HIDDEN_2019,
                "Выписной эпикриз", "Выписана 31.12.2018 23:59 МСК: скрыт.")
        yield d("x-1001-lab-shown", e, DocKind.LAB_RESULT, SHOWN_2019, "Общий анализ крови",
                "Анализ 01.01.2019 00:00 МСК: показан.", observations=cbc)
        yield d("x-1001-lab-hidden", e, DocKind.LAB_RESULT, HIDDEN_2019, "Общий анализ крови",
                "Анализ 31.12.2018 23:59 МСК: скрыт.", observations=cbc)
        yield d("x-1001-lab-recent", e, DocKind.LAB_RESULT,
                datetime(2024, 3, 6, 6, 0, tzinfo=UTC), "Общий анализ крови",
                "Без особенностей.", observations=cbc)
        yield d("x-1001-instr-shown", e, DocKind.INSTRUMENTAL, SHOWN_2019, "ЭКГ",
                "ЭКГ 01.01.2019 00:00 МСК: показана.")
        yield d("x-1001-instr-hidden", e, DocKind.INSTRUMENTAL, HIDDEN_2019, "ЭКГ",
                "ЭКГ 31.12.2018 23:59 МСК: скрыта.")
        yield d("x-1001-instr-2016", e, DocKind.INSTRUMENTAL, RADIOLOGY_2016, "ЭКГ",
                "ЭКГ 2016 года не из ЕРИС: скрыта.")
        yield d("x-1001-rad-2016", e, DocKind.INSTRUMENTAL, RADIOLOGY_2016,
                "Рентгенография органов грудной клетки", "Снимок ЕРИС 2016 года: показан.",
                radiology=True)
        yield d("x-1001-rad-shown", e, DocKind.INSTRUMENTAL, SHOWN_RADIOLOGY,
                "КТ головного мозга", "Снимок ЕРИС 01.01.2016 00:00 МСК: показан.",
                radiology=True)
        yield d("x-1001-rad-hidden", e, DocKind.INSTRUMENTAL, HIDDEN_RADIOLOGY,
                "КТ головного мозга", "Снимок ЕРИС 31.12.2015 23:59 МСК: скрыт.",
                radiology=True)
        yield d("x-1001-withdrawn", e, DocKind.EXAM_PROTOCOL,
                datetime(2022, 4, 4, 9, 0, tzinfo=UTC), exam,
                "Внесён по ошибке: не показывается.", withdrawn=True)
        # What a real EMR holds, for the demo: a sectioned protocol, a discharge summary,
        # full lab panels with values out of range and an ECG as a PDF report.
        ecg = _ecg_pdf()
        for emr in ("1001", "1005", "1008"):
            yield d(f"x-{emr}-exam-rich", emr, DocKind.EXAM_PROTOCOL,
                    datetime(2026, 10, 14, 7, 20, tzinfo=UTC),
                    "Протокол осмотра врача-терапевта", "", html=_EXAM_HTML)
            yield d(f"x-{emr}-disch-rich", emr, DocKind.DISCHARGE_SUMMARY,
                    datetime(2026, 6, 9, 11, 0, tzinfo=UTC), "Выписной эпикриз", "",
                    html=_DISCHARGE_HTML)
            yield d(f"x-{emr}-cbc-full", emr, DocKind.LAB_RESULT,
                    datetime(2026, 10, 15, 5, 40, tzinfo=UTC),
                    "Общий анализ крови с лейкоцитарной формулой",
                    "Лейкоцитоз, нейтрофилёз, ускорение СОЭ; снижение гемоглобина.",
                    observations=_panel(_CBC_FULL))
            yield d(f"x-{emr}-bio-full", emr, DocKind.LAB_RESULT,
                    datetime(2026, 10, 15, 5, 45, tzinfo=UTC), "Биохимический анализ крови",
                    "", observations=_panel(_BIOCHEM_FULL))
            for i, at in enumerate(_CBC_DATES):
                yield d(f"x-{emr}-cbc-{at:%Y%m}", emr, DocKind.LAB_RESULT, at,
                        "Общий анализ крови с лейкоцитарной формулой", "",
                        observations=_earlier(_CBC_FULL, i, len(_CBC_DATES)))
            for i, at in enumerate(_BIOCHEM_DATES):
                yield d(f"x-{emr}-bio-{at:%Y%m}", emr, DocKind.LAB_RESULT, at,
                        "Биохимический анализ крови", "",
                        observations=_earlier(_BIOCHEM_FULL, i, len(_BIOCHEM_DATES)))
            yield d(f"x-{emr}-ecg-pdf", emr, DocKind.INSTRUMENTAL,
                    datetime(2026, 10, 16, 8, 0, tzinfo=UTC), "Электрокардиография",
                    "Ритм синусовый, ЧСС 72 в минуту. Признаки гипертрофии левого желудочка.",
                    pdf=ecg)
        for i, (title, text) in enumerate(_STUDIES[:2]):
            yield d(f"x-1007-rad-{i}", "1007", DocKind.INSTRUMENTAL,
                    RADIOLOGY_2016 + timedelta(days=30 * i), title, text, radiology=True)
        yield d("x-1007-exam", "1007", DocKind.EXAM_PROTOCOL,
                datetime(2020, 2, 29, 9, 0, tzinfo=UTC), exam, "Осмотр в день рождения.")
        if not self.big_emr_docs:
            yield from self._random_documents(-1, self.patients[8], self.docs_per_patient, "big")

    # ------------------------------------------------------------------ generated people

    def _generated(self) -> None:
        fixed = len(self.patients)
        parent: SimAccount | None = None
        for i in range(max(0, self.size - fixed)):
            rng = random.Random(f"{self.seed}:p:{i}")
            sex = Sex.MALE if rng.random() < 0.5 else Sex.FEMALE
            age = rng.choice([rng.randint(0, 14), rng.randint(16, 90), rng.randint(20, 60)])
            birth = _years_before(self.today, age) - timedelta(days=rng.randint(1, 360))
            father = rng.choice(_FATHERS)
            surname = rng.choice(_SURNAMES)
            if sex is Sex.MALE:
                given, patronymic = rng.choice(_MALE), father[0]
            else:
                given, patronymic, surname = rng.choice(_FEMALE), father[1], surname + "а"
            emr = f"p{i:06d}"
            self.patients.append(SimPatient(emr, surname, given, patronymic, birth, sex))
            phone = f"+79{rng.randint(0, 999_999_999):09d}"
            approved = datetime(2022, 1, 1, tzinfo=UTC) + timedelta(hours=rng.randint(0, 9000))
            if age >= 18:
                level = "simplified" if i % 20 == 7 else ("full" if i % 3 == 0 else "standard")
                parent = SimAccount(f"user{i}", f"pw{i}", f"u-{i:06d}", level, "", emr)
                self.accounts.append(parent)
                self.grants.append(SimGrant(parent.subject, emr, Relation.SELF, birth, phone,
                                            approved))
            elif age < 15 and parent is not None:
                self.grants.append(SimGrant(parent.subject, emr, Relation.CHILD, birth,
                                            phone, approved))

    def _random_documents(
        self, idx: int, patient: SimPatient, count: int, tag: str = ""
    ) -> Iterator[SimDocument]:
        """``count`` documents of ``patient`` in the shapes and shares of
        ``clinic.SHAPES``. Two streams: ``rng`` draws each document's shape, date and
        authors, ``content`` what it says — so retuning the contents leaves the
        documents' ids, kinds and dates (what the lists and the order's cut-offs see)
        where they were."""
        rng = random.Random(f"{self.seed}:d:{patient.emr_id}")
        content = random.Random(rng.getrandbits(64))  # an int seed: 1 µs, a str's 24
        end = datetime.combine(self.today, datetime.min.time(), UTC)
        span = max(1, int((end - _START).total_seconds()))
        prefix = f"g{tag}-{patient.emr_id}-"
        emr = patient.emr_id
        for n in range(count):
            shape = clinic.shape_of(rng.random())
            at = _START + timedelta(seconds=int(rng.random() * span))
            org, performer = _ORGS[int(rng.random() * 5)], _DOCTORS[int(rng.random() * 5)]
            fid = prefix + str(n)
            if shape == "exam_html":
                title, html = clinic.exam_html(content)
                yield SimDocument(fid, emr, DocKind.EXAM_PROTOCOL, at, title, org, performer,
                                  "", html=html)
            elif shape == "exam_text":
                yield SimDocument(fid, emr, DocKind.EXAM_PROTOCOL, at, "Протокол осмотра", org,
                                  performer, _exam_text(content))
            elif shape == "discharge_html":
                yield SimDocument(fid, emr, DocKind.DISCHARGE_SUMMARY, at, "Выписной эпикриз",
                                  org, performer, "", html=clinic.discharge_html(content))
            elif shape == "lab":
                title, rows, note = clinic.lab_panel(content)
                obs = tuple(map(SimObservation._make, rows))
                yield SimDocument(fid, emr, DocKind.LAB_RESULT, at, title, org, performer,
                                  note, observations=obs)
            elif shape == "study":
                title, text, imaging = clinic.study(content)
                yield SimDocument(fid, emr, DocKind.INSTRUMENTAL, at, title, org, performer,
                                  text, radiology=imaging and content.random() < 0.8)
            else:
                title, text, pdf = clinic.pdf_report(content)
                yield SimDocument(fid, emr, DocKind.INSTRUMENTAL, at, title, org, performer,
                                  text, pdf=pdf)

    @property
    def expected_document_count(self) -> int:
        """How many documents ``documents()`` yields (for benchmarks sizing a run)."""
        generated = sum(1 for p in self.patients if p.emr_id.startswith("p"))
        return sum(1 for _ in self._fixed_documents()) + generated * self.docs_per_patient + (
            self.big_emr_docs
        )

