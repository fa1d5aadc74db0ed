"""What a clinic's EMR holds, for the generated documents (issue 17 item 7).

The fixed demo people carry hand-written documents (``population._fixed_documents``);
the generated ones — the tests' extra patients and the benchmarks' 20k–200k-document
caches — are made here in the same shapes, with values drawn per document so that no
two rows are alike: exam protocols and discharge summaries as multi-section HTML
(complaints, history, status table, diagnosis with its ICD-10 code, recommendations),
lab panels of 10–30 analytes with reference ranges (some values out of range),
instrumental conclusions of a few sentences, and PDF reports of one or two pages.

The mix (``SHAPES``) is chosen, not measured — no EMR statistics were at hand. The
reasoning: every outpatient visit leaves a protocol, so protocols are the largest
share; a blood or urine test is ordered at about every other or third visit; imaging
and functional studies are rarer; a hospital stay (a discharge summary) is rare;
reports as PDF come from a few devices (ECG carts, Holter and blood-pressure monitors,
spirometers) and are a few per cent; older records and some clinics' systems still
send protocols as plain text.

Everything is drawn from the ``random.Random`` passed in: the same stream gives the
same documents. Nothing here knows about FHIR (``fhir_render``) or the kiosk.
"""

from __future__ import annotations

import functools
import itertools
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

#: Shape → share of the generated documents (see the module's docstring for why).
SHAPES: tuple[tuple[str, float], ...] = (
    ("exam_html", 0.38),  # outpatient protocols, sectioned HTML
    ("exam_text", 0.08),  # the same from older systems, plain text
    ("discharge_html", 0.04),  # discharge summaries, sectioned HTML
    ("lab", 0.33),  # lab panels of 10–30 analytes
    ("study", 0.14),  # imaging and functional studies: a conclusion in words
    ("study_pdf", 0.03),  # reports of a device as a PDF of one or two pages
)
_CUMULATIVE = tuple(itertools.accumulate(w for _, w in SHAPES))

#: The share of analytes drawn out of their reference range.
OUT_OF_RANGE = 0.08


# Draws by ``rng.random()`` alone: ``randint``, ``choice`` and ``sample`` go through
# ``_randbelow`` in Python and made generating a 200k population several times slower.


def _int(rng: random.Random, a: int, b: int) -> int:
    """An integer in [a, b]."""
    return a + int(rng.random() * (b - a + 1))


def _pick(rng: random.Random, seq: Sequence[T]) -> T:
    return seq[int(rng.random() * len(seq))]


def _some(rng: random.Random, seq: Sequence[T], k: int) -> list[T]:
    """``k`` distinct items of ``seq`` in a random order."""
    rest = list(seq)
    return [rest.pop(int(rng.random() * len(rest))) for _ in range(k)]


def _weighted(rng: random.Random, seq: Sequence[T], edges: Sequence[float]) -> T:
    """An item of ``seq`` by the cumulative weights ``edges`` (the last is 1)."""
    u = rng.random()
    for item, edge in zip(seq, edges, strict=True):
        if u < edge:
            return item
    return seq[-1]


def shape_of(u: float) -> str:
    """The shape for a uniform draw ``u`` in [0, 1)."""
    for (name, _), edge in zip(SHAPES, _CUMULATIVE, strict=True):
        if u < edge:
            return name
    return SHAPES[-1][0]


# ---------------------------------------------------------------- lab panels

#: A full blood count and a biochemistry panel as a city lab reports them:
#: (analyte, low, high, unit, value). The values are the demo's latest result (a few
#: out of range); for generated panels they give the precision a lab writes.
CBC_FULL: list[tuple[str, float, float, str, float]] = [
    ("Гемоглобин (HGB)", 120, 140, "г/л", 112), ("Эритроциты (RBC)", 3.8, 5.1, "10*12/л", 4.02),
    ("Гематокрит (HCT)", 35, 45, "%", 34.1),
    ("Средний объём эритроцита (MCV)", 80, 100, "фл", 84.8),
    ("Среднее содержание Hb в эритроците (MCH)", 27, 34, "пг", 27.9),
    ("Средняя концентрация Hb в эритроците (MCHC)", 320, 360, "г/л", 328),
    ("Ширина распределения эритроцитов (RDW-CV)", 11.5, 14.5, "%", 15.2),
    ("Тромбоциты (PLT)", 150, 400, "10*9/л", 262), ("Тромбокрит (PCT)", 0.15, 0.4, "%", 0.24),
    ("Лейкоциты (WBC)", 4.0, 9.0, "10*9/л", 10.6), ("Нейтрофилы, %", 47, 72, "%", 74.3),
    ("Лимфоциты, %", 19, 37, "%", 17.2), ("Моноциты, %", 3, 11, "%", 6.1),
    ("Эозинофилы, %", 1, 5, "%", 2.0), ("Базофилы, %", 0, 1, "%", 0.4),
    ("Нейтрофилы, абс.", 1.8, 7.7, "10*9/л", 7.88), ("Лимфоциты, абс.", 1.0, 4.8, "10*9/л", 1.82),
    ("Моноциты, абс.", 0.05, 0.82, "10*9/л", 0.65), ("Эозинофилы, абс.", 0.02, 0.5, "10*9/л", 0.21),
    ("СОЭ (по Вестергрену)", 2, 20, "мм/ч", 28),
]
BIOCHEM_FULL: list[tuple[str, float, float, str, float]] = [
    ("Глюкоза", 3.9, 6.1, "ммоль/л", 6.4), ("Общий белок", 64, 83, "г/л", 71),
    ("Альбумин", 35, 52, "г/л", 44), ("Мочевина", 2.8, 7.2, "ммоль/л", 5.1),
    ("Креатинин", 53, 97, "мкмоль/л", 88), ("Мочевая кислота", 143, 339, "мкмоль/л", 352),
    ("Билирубин общий", 3.4, 20.5, "мкмоль/л", 12.7), ("АЛТ", 0, 33, "Ед/л", 21),
    ("АСТ", 0, 32, "Ед/л", 24), ("ГГТ", 0, 40, "Ед/л", 18),
    ("Щелочная фосфатаза", 35, 105, "Ед/л", 77), ("Холестерин общий", 3.0, 5.2, "ммоль/л", 6.1),
    ("ЛПНП", 0, 3.0, "ммоль/л", 3.9), ("ЛПВП", 1.2, 2.5, "ммоль/л", 1.4),
    ("Триглицериды", 0, 1.7, "ммоль/л", 1.2), ("Калий", 3.5, 5.1, "ммоль/л", 4.3),
    ("Натрий", 136, 145, "ммоль/л", 140), ("Железо", 6.6, 26, "мкмоль/л", 5.9),
    ("Ферритин", 13, 150, "нг/мл", 9.8), ("С-реактивный белок", 0, 5, "мг/л", 3.2),
]
#: Analytes a generated biochemistry panel may hold besides the demo's twenty.
_BIOCHEM_MORE: list[tuple[str, float, float, str, float]] = [
    ("Билирубин прямой", 0, 5.0, "мкмоль/л", 2.1), ("Амилаза", 28, 100, "Ед/л", 54),
    ("ЛДГ", 135, 214, "Ед/л", 170), ("Креатинкиназа", 0, 171, "Ед/л", 96),
    ("Кальций общий", 2.15, 2.55, "ммоль/л", 2.34), ("Хлориды", 98, 107, "ммоль/л", 102),
    ("Магний", 0.66, 1.07, "ммоль/л", 0.84), ("Фосфор неорганический", 0.81, 1.45,
                                                 "ммоль/л", 1.12),
    ("Гликированный гемоглобин (HbA1c)", 4.0, 6.0, "%", 5.4),
    ("Общая железосвязывающая способность", 45.3, 77.1, "мкмоль/л", 60.2),
]
_URINE: list[tuple[str, float, float, str, float]] = [
    ("pH", 5.0, 7.0, "", 6.0), ("Относительная плотность", 1.010, 1.025, "", 1.018),
    ("Белок", 0, 0.14, "г/л", 0.03), ("Глюкоза", 0, 0.8, "ммоль/л", 0.1),
    ("Кетоновые тела", 0, 0.5, "ммоль/л", 0.1), ("Уробилиноген", 3.2, 17, "мкмоль/л", 5.1),
    ("Лейкоциты", 0, 5, "в п/зр", 2), ("Эритроциты", 0, 2, "в п/зр", 1),
    ("Эпителий плоский", 0, 5, "в п/зр", 2), ("Эпителий переходный", 0, 1, "в п/зр", 0),
    ("Цилиндры гиалиновые", 0, 1, "в п/зр", 0), ("Слизь", 0, 2, "+", 1),
]
_COAGULATION: list[tuple[str, float, float, str, float]] = [
    ("Протромбиновое время", 9.4, 12.5, "с", 11.2), ("Протромбин по Квику", 70, 130, "%", 96),
    ("МНО", 0.85, 1.15, "", 1.02), ("ПТИ", 80, 120, "%", 94),
    ("АЧТВ", 25.4, 36.9, "с", 30.8), ("Фибриноген", 2.0, 4.0, "г/л", 3.1),
    ("Тромбиновое время", 10.3, 16.6, "с", 14.2), ("Антитромбин III", 83, 128, "%", 104),
    ("D-димер", 0, 0.5, "мкг/мл FEU", 0.27), ("РФМК", 0, 4.0, "мг/100 мл", 3.0),
]


@dataclass(frozen=True, slots=True)
class _Analyte:
    name: str
    low: float
    high: float
    unit: str
    decimals: int


def _analytes(rows: list[tuple[str, float, float, str, float]]) -> tuple[_Analyte, ...]:
    """The analytes of ``rows``, each with the number of decimals its value is written with."""
    return tuple(_Analyte(n, lo, hi, u, len(str(v).split(".")[1]) if isinstance(v, float)
                          else 0) for n, lo, hi, u, v in rows)


_CBC = _analytes(CBC_FULL)
#: The short count: red cells, platelets, white cells and the ESR (no differential).
_CBC_SHORT = _CBC[:10] + _CBC[19:]
_BIOCHEM = _analytes(BIOCHEM_FULL + _BIOCHEM_MORE)
_URINE_A = _analytes(_URINE)
_COAG_A = _analytes(_COAGULATION)

#: (title, analytes or None for a biochemistry of 10–30 of its pool, weight).
_PANELS: tuple[tuple[str, tuple[_Analyte, ...] | None, float], ...] = (
    ("Общий анализ крови с лейкоцитарной формулой", _CBC, 0.26),
    ("Общий анализ крови", _CBC_SHORT, 0.14),
    ("Биохимический анализ крови", None, 0.35),
    ("Общий анализ мочи", _URINE_A, 0.15),
    ("Коагулограмма", _COAG_A, 0.10),
)
_PANEL_EDGES = tuple(itertools.accumulate(w for _, _, w in _PANELS))
_LAB_NOTES = ("Исследование выполнено на автоматическом анализаторе.",
              "Результаты, выходящие за пределы референсных значений, перепроверены.",
              "Биоматериал: венозная кровь. Взятие натощак.",
              "Рекомендована консультация лечащего врача.")

#: One analyte as generated: (name, value, unit, low, high).
Measured = tuple[str, float, str, float, float]


def _measure(rng: random.Random, a: _Analyte) -> Measured:
    """A value of ``a``: mostly inside its range, ``OUT_OF_RANGE`` of them outside."""
    span = a.high - a.low
    u = rng.random()
    if u < OUT_OF_RANGE / 2 and a.low > 0:
        value = a.low * (0.7 + 0.27 * rng.random())  # below: 70–97 % of the low end
    elif u < OUT_OF_RANGE:
        value = a.high + span * (0.05 + 0.6 * rng.random())  # above by 5–65 % of the span
    else:
        value = a.low + span * (0.08 + 0.84 * rng.random())
    rounded = round(value, a.decimals) if a.decimals else round(value)
    return a.name, rounded, a.unit, a.low, a.high


def lab_panel(rng: random.Random) -> tuple[str, list[Measured], str]:
    """(title, analytes, conclusion or "") of one lab result of 10–30 analytes."""
    title, analytes, _ = _weighted(rng, _PANELS, _PANEL_EDGES)
    if analytes is None:  # the biochemistry ordered: 10–30 analytes of its pool, in order
        keep = sorted(_some(rng, range(len(_BIOCHEM)), _int(rng, 10, len(_BIOCHEM))))
        analytes = tuple(_BIOCHEM[i] for i in keep)
    rows = [_measure(rng, a) for a in analytes]
    note = _pick(rng, _LAB_NOTES) if rng.random() < 0.2 else ""
    return title, rows, note


# ---------------------------------------------------------------- narratives


@dataclass(frozen=True, slots=True)
class _Specialty:
    doctor: str  # as in "Протокол осмотра врача-…"
    complaints: tuple[str, ...]
    local: tuple[str, ...]  # a sentence of the local status
    diagnoses: tuple[tuple[str, str], ...]  # (ICD-10 code, name)
    advice: tuple[str, ...]


_SPECIALTIES: tuple[_Specialty, ...] = (
    _Specialty(
        "врача-терапевта участкового",
        ("сухой кашель", "кашель с мокротой", "першение в горле", "слабость",
         "повышение температуры тела до 38,2 °C", "заложенность носа", "головную боль",
         "повышение АД до 160/95 мм рт. ст.", "изжогу после еды"),
        ("Зев гиперемирован, миндалины не увеличены, налётов нет.",
         "Дыхание жёсткое, рассеянные сухие хрипы, ЧДД 18 в минуту.",
         "Тоны сердца ясные, ритмичные, акцент II тона над аортой.",
         "Живот мягкий, болезненный в эпигастрии, печень по краю рёберной дуги."),
        (("J06.9", "Острая инфекция верхних дыхательных путей неуточнённая"),
         ("J20.9", "Острый бронхит неуточнённый"),
         ("I10", "Эссенциальная (первичная) гипертензия"),
         ("I11.9", "Гипертензивная болезнь сердца без сердечной недостаточности"),
         ("K29.5", "Хронический гастрит неуточнённый"),
         ("E11.9", "Сахарный диабет 2 типа без осложнений"),
         ("Z00.0", "Общий медицинский осмотр")),
        ("Режим домашний, обильное тёплое питьё.",
         "Парацетамол 500 мг при температуре выше 38,5 °C, не более 4 раз в сутки.",
         "Контроль АД дважды в день, ведение дневника.",
         "Общий анализ крови, общий анализ мочи, биохимический анализ крови.",
         "ЭКГ в плановом порядке.", "Диета с ограничением соли до 5 г в сутки.")),
    _Specialty(
        "врача-невролога",
        ("боль в поясничной области", "боль в шее с иррадиацией в руку", "головную боль",
         "головокружение при поворотах головы", "онемение пальцев кисти",
         "нарушение сна"),
        ("Напряжение паравертебральных мышц поясничного отдела, движения ограничены.",
         "Симптом Ласега отрицательный с обеих сторон, рефлексы живые, D = S.",
         "В позе Ромберга устойчив(а), пальценосовую пробу выполняет уверенно.",
         "Болезненность при пальпации остистых отростков C5–C7."),
        (("M42.1", "Остеохондроз позвоночника у взрослых"),
         ("M54.5", "Боль внизу спины"),
         ("G44.2", "Головная боль напряжённого типа"),
         ("G43.0", "Мигрень без ауры"),
         ("G47.0", "Нарушения засыпания и поддержания сна")),
        ("Ограничение физических нагрузок, ЛФК после стихания боли.",
         "Мелоксикам 7,5 мг 1 раз в день после еды, 5 дней.",
         "МРТ пояснично-крестцового отдела позвоночника.",
         "Повторный приём через 14 дней.", "Соблюдение режима сна.")),
    _Specialty(
        "врача-кардиолога",
        ("давящую боль за грудиной при нагрузке", "одышку при подъёме на 2 этаж",
         "перебои в работе сердца", "отёки голеней к вечеру", "сердцебиение"),
        ("Тоны сердца приглушены, ритм неправильный, ЧСС 92, дефицит пульса 6.",
         "Пастозность голеней, периферические пульсы сохранены.",
         "Тоны сердца ритмичные, систолический шум на верхушке."),
        (("I25.1", "Атеросклеротическая болезнь сердца"),
         ("I48.0", "Пароксизмальная фибрилляция предсердий"),
         ("I11.9", "Гипертензивная болезнь сердца без сердечной недостаточности"),
         ("E78.0", "Чистая гиперхолестеринемия"),
         ("I50.0", "Застойная сердечная недостаточность")),
        ("Холтеровское мониторирование ЭКГ.", "ЭхоКГ.",
         "Аторвастатин 20 мг вечером, контроль липидограммы через 3 месяца.",
         "Бисопролол 2,5 мг утром постоянно.", "Контроль ЧСС и АД, ведение дневника.")),
    _Specialty(
        "врача-оториноларинголога",
        ("боль в горле при глотании", "заложенность носа", "снижение слуха справа",
         "боль в ухе", "выделения из носа"),
        ("Слизистая глотки гиперемирована, миндалины II степени, лакуны чистые.",
         "Носовое дыхание затруднено, слизистая отёчна, отделяемое слизистое.",
         "Барабанная перепонка справа гиперемирована, опознавательные знаки сглажены."),
        (("J02.9", "Острый фарингит неуточнённый"),
         ("J01.0", "Острый верхнечелюстной синусит"),
         ("H65.0", "Острый средний серозный отит"),
         ("J31.0", "Хронический ринит"),
         ("J35.0", "Хронический тонзиллит")),
        ("Полоскание горла 4–5 раз в день.",
         "Промывание носа солевым раствором 3 раза в день.",
         "Сосудосуживающие капли в нос не более 5 дней.", "Аудиометрия.",
         "Повторный осмотр через 7 дней.")),
    _Specialty(
        "врача-хирурга",
        ("боль и припухлость в области голеностопного сустава", "выпячивание в паху",
         "тяжесть в ногах к вечеру", "гнойничок на предплечье"),
        ("Отёк и болезненность в области латеральной лодыжки, движения ограничены.",
         "В паховой области выпячивание 3 × 4 см, вправляется в брюшную полость.",
         "Варикозно расширенные подкожные вены голени, трофических изменений нет."),
        (("S93.4", "Растяжение и перенапряжение связочного аппарата голеностопного "
                   "сустава"),
         ("K40.9", "Односторонняя паховая грыжа без непроходимости или гангрены"),
         ("I83.9", "Варикозное расширение вен нижних конечностей без язвы или "
                   "воспаления"),
         ("L02.4", "Абсцесс кожи, фурункул и карбункул конечности")),
        ("Эластичное бинтование, холод местно, покой конечности.",
         "Рентгенография голеностопного сустава в двух проекциях.",
         "Плановая госпитализация для оперативного лечения.",
         "Компрессионный трикотаж II класса.", "Перевязки через день.")),
    _Specialty(
        "врача-эндокринолога",
        ("сухость во рту", "жажду", "прибавку массы тела", "зябкость",
         "утомляемость"),
        ("Щитовидная железа не увеличена, мягко-эластичной консистенции, узлы не "
         "пальпируются.",
         "ИМТ 31,4 кг/м². Стопы: пульсация сохранена, чувствительность не нарушена."),
        (("E11.9", "Сахарный диабет 2 типа без осложнений"),
         ("E04.1", "Нетоксический одноузловой зоб"),
         ("E03.9", "Гипотиреоз неуточнённый"),
         ("E66.0", "Ожирение, обусловленное избыточным поступлением энергетических "
                   "ресурсов")),
        ("Метформин 1000 мг 2 раза в день.", "Гликированный гемоглобин через 3 месяца.",
         "ТТГ, свободный Т4.", "УЗИ щитовидной железы.",
         "Самоконтроль гликемии, ведение дневника.")),
    _Specialty(
        "врача-офтальмолога",
        ("снижение зрения вдаль", "покраснение и слезотечение", "чувство песка в глазах",
         "мелькание мушек перед глазами"),
        ("Visus OD 0,6 с корр. −1,0 D = 1,0; OS 0,7 с корр. −0,75 D = 1,0.",
         "ВГД OD 24, OS 23 мм рт. ст.; диск зрительного нерва бледно-розовый.",
         "Конъюнктива гиперемирована, отделяемое слизисто-гнойное."),
        (("H52.1", "Миопия"),
         ("H40.1", "Первичная открытоугольная глаукома"),
         ("H10.3", "Острый конъюнктивит неуточнённый"),
         ("H25.0", "Начальная старческая катаракта")),
        ("Подбор очков для дали.", "Тимолол 0,5 % по 1 капле 2 раза в день.",
         "Контроль ВГД через 1 месяц.", "Антибактериальные капли 4 раза в день, 7 дней.")),
    _Specialty(
        "врача-педиатра участкового",
        ("насморк", "кашель", "повышение температуры тела до 38,0 °C",
         "жидкий стул до 4 раз в сутки", "сниженный аппетит"),
        ("Зев умеренно гиперемирован, лимфоузлы не увеличены.",
         "Живот мягкий, урчит по ходу кишечника, безболезненный.",
         "Физическое развитие соответствует возрасту."),
        (("J06.9", "Острая инфекция верхних дыхательных путей неуточнённая"),
         ("A08.4", "Вирусная кишечная инфекция неуточнённая"),
         ("Z00.1", "Рутинное обследование состояния здоровья ребёнка"),
         ("J20.9", "Острый бронхит неуточнённый")),
        ("Обильное дробное питьё, регидратация.",
         "Ибупрофен в дозировке по массе тела при температуре выше 38,5 °C.",
         "Не посещать детский коллектив до выздоровления.",
         "Повторный осмотр через 3 дня.", "Вакцинация по национальному календарю.")),
)
#: Which specialty a protocol is from: the district doctor most often.
_SPECIALTY_EDGES = tuple(itertools.accumulate(w / 14 for w in (5, 2, 1, 1, 1, 1, 1, 2)))

_ONSET = ("Заболел(а) остро", "Болеет", "Ухудшение в течение", "Беспокоит в течение")
_CAUSE = ("связывает с переохлаждением", "связывает с контактом с больным ОРВИ",
          "без видимой причины", "после физической нагрузки", "после стресса",
          "причину назвать затрудняется")
_TAKEN = ("парацетамол", "ибупрофен", "обильное тёплое питьё", "ничего не принимал(а)",
          "назначенную ранее терапию")
_LIFE = ("Хронические заболевания: отрицает.", "Аллергологический анамнез: не отягощён.",
         "Аллергия на пенициллины (крапивница).", "Операции: аппендэктомия.",
         "Вредные привычки: отрицает.", "Курит 10 сигарет в день.",
         "Вакцинация против гриппа: октябрь.", "Наследственность: гипертония у матери.",
         "Туберкулёз, гепатиты, ВИЧ отрицает.")
_GENERAL = ("Состояние удовлетворительное.", "Состояние средней тяжести.",
            "Сознание ясное.", "Кожные покровы обычной окраски, чистые.",
            "Периферические лимфоузлы не увеличены.",
            "Дыхание везикулярное, проводится во все отделы, хрипов нет.",
            "Живот мягкий, безболезненный.", "Отёков нет.",
            "Стул и диурез в норме со слов пациента.")
_VISIT = ("первичный", "повторный")
_PLACE = ("амбулаторно", "амбулаторно", "амбулаторно", "на дому")
_SICK_LEAVE = ("открыт", "продлён", "закрыт, к труду с завтрашнего дня", "не требуется")


def _comma(value: float, decimals: int = 1) -> str:
    """A number as Russian documents write it: a decimal comma."""
    return f"{value:.{decimals}f}".replace(".", ",")


def _sentence(words: str) -> str:
    return words[:1].upper() + words[1:] + "."


def _status_rows(rng: random.Random) -> str:
    rows = [
        ("Температура тела", f"{_comma(_int(rng, 360, 389) / 10)} °C"),
        ("АД", f"{_int(rng, 100, 175)}/{_int(rng, 60, 105)} мм рт. ст."),
        ("ЧСС", f"{_int(rng, 56, 108)} в минуту"),
        ("ЧДД", f"{_int(rng, 14, 22)} в минуту"),
        ("SpO<sub>2</sub>", f"{_int(rng, 93, 99)} %"),
    ]
    if rng.random() < 0.5:
        rows.append(("Масса тела", f"{_int(rng, 48, 118)} кг"))
    return "".join(f"<tr><td>{k}</td><td>{v}</td></tr>" for k, v in rows)


def exam_html(rng: random.Random) -> tuple[str, str]:
    """(title, HTML) of an outpatient protocol in its usual sections."""
    sp = _weighted(rng, _SPECIALTIES, _SPECIALTY_EDGES)
    code, name = _pick(rng, sp.diagnoses)
    complaints = ", ".join(_some(rng, sp.complaints, _int(rng, 2, min(4, len(sp.complaints)))))
    parts = [
        f"<div><h2>Протокол осмотра {sp.doctor}</h2>",
        f"<p><b>Приём:</b> {_pick(rng, _VISIT)}, {_pick(rng, _PLACE)}.</p>",
        f"<h3>Жалобы</h3><p>На {complaints}.</p>",
        f"<h3>Анамнез заболевания</h3><p>{_pick(rng, _ONSET)} {_int(rng, 1, 21)} дн., "
        f"{_pick(rng, _CAUSE)}. Принимал(а): {_pick(rng, _TAKEN)}.</p>",
    ]
    if rng.random() < 0.7:
        items = _some(rng, _LIFE, _int(rng, 2, 4))
        parts.append("<h3>Анамнез жизни</h3><ul>" + "".join(f"<li>{x}</li>" for x in items)
                     + "</ul>")
    parts.append("<h3>Объективный статус</h3><table><tbody>" + _status_rows(rng)
                 + "</tbody></table>")
    parts.append("<p>" + " ".join(_some(rng, _GENERAL, _int(rng, 3, 6))) + "</p>")
    parts.append(f"<h3>Локальный статус</h3><p>{_pick(rng, sp.local)}</p>")
    parts.append(f"<h3>Диагноз</h3><p><b>{code}</b> {name}.</p>")
    if rng.random() < 0.3:
        code2, name2 = _pick(rng, _SPECIALTIES[0].diagnoses)
        if code2 != code:
            parts.append(f"<p><b>Сопутствующий:</b> {code2} {name2}.</p>")
    advice = _some(rng, sp.advice, _int(rng, 2, min(5, len(sp.advice))))
    parts.append("<h3>Рекомендации</h3><ol>" + "".join(f"<li>{x}</li>" for x in advice)
                 + f"<li>Повторный приём через {_int(rng, 3, 30)} дн.</li></ol>")
    if rng.random() < 0.4:
        parts.append(f"<p>Листок нетрудоспособности: {_pick(rng, _SICK_LEAVE)}.</p>")
    parts.append("</div>")
    return f"Протокол осмотра {sp.doctor}", "\n".join(parts)


_DEPARTMENTS = (("терапевтическое", 0, "экстренная"), ("кардиологическое", 2, "экстренная"),
                ("неврологическое", 1, "плановая"), ("хирургическое", 4, "плановая"),
                ("эндокринологическое", 5, "плановая"))
_EXAMINATIONS = ("ЭКГ: ритм синусовый, ЧСС {hr} в минуту.",
                 "Рентгенография органов грудной клетки: без очаговых и инфильтративных "
                 "изменений.",
                 "УЗИ органов брюшной полости: диффузные изменения печени.",
                 "ЭхоКГ: ФВ {ef} %, полости сердца не расширены.",
                 "Общий анализ крови: гемоглобин {hb} г/л, лейкоциты {wbc} × 10⁹/л.",
                 "Биохимический анализ крови: глюкоза {glu} ммоль/л, креатинин {cr} мкмоль/л.",
                 "МРТ: признаки дегенеративных изменений.",
                 "ФГДС: поверхностный гастрит.")
_TREATMENT = ("инфузионная терапия", "антибактериальная терапия", "антикоагулянты",
              "гипотензивная терапия", "НПВС", "физиотерапия", "ЛФК",
              "оперативное лечение (в плановом порядке)")


def discharge_html(rng: random.Random) -> str:
    """A discharge summary as a hospital's system writes it."""
    department, specialty, admission = _pick(rng, _DEPARTMENTS)
    sp = _SPECIALTIES[specialty]
    code, name = _pick(rng, sp.diagnoses)
    code2, name2 = _pick(rng, _SPECIALTIES[0].diagnoses)
    values = {"hr": _int(rng, 58, 96), "ef": _int(rng, 45, 68), "hb": _int(rng, 98, 156),
              "wbc": _comma(_int(rng, 38, 128) / 10), "glu": _comma(_int(rng, 41, 98) / 10),
              "cr": _int(rng, 58, 131)}
    exams = [x.format(**values) for x in _some(rng, _EXAMINATIONS, _int(rng, 3, 6))]
    advice = _some(rng, tuple(dict.fromkeys(sp.advice + _SPECIALTIES[0].advice)),
                        _int(rng, 3, 5))
    complaints = ", ".join(_some(rng, sp.complaints, 2))
    return "\n".join([
        "<div><h2>Выписной эпикриз</h2>",
        f"<p><b>Отделение:</b> {department}. <b>Госпитализация:</b> {admission}, "
        f"{_int(rng, 3, 21)} койко-дн.</p>",
        f"<h3>Диагноз</h3><p><b>Основной:</b> {code} {name}.</p>"
        + (f"<p><b>Сопутствующий:</b> {code2} {name2}.</p>" if code2 != code else ""),
        f"<h3>Жалобы при поступлении</h3><p>На {complaints}.</p>",
        "<h3>Проведённое обследование</h3><ul>" + "".join(f"<li>{x}</li>" for x in exams)
        + "</ul>",
        "<h3>Проведённое лечение</h3><p>" + _sentence(", ".join(_some(rng, _TREATMENT, 3)))
        + " На фоне лечения состояние улучшилось.</p>",
        f"<h3>Состояние при выписке</h3><p>Удовлетворительное. Температура тела "
        f"{_comma(_int(rng, 360, 371) / 10)} °C, АД {_int(rng, 110, 140)}/"
        f"{_int(rng, 70, 90)} мм рт. ст.</p>",
        "<h3>Рекомендации</h3><ol>" + "".join(f"<li>{x}</li>" for x in advice) + "</ol>",
        "</div>",
    ])


# ---------------------------------------------------------------- studies

#: (title, in the city's radiology service (ЕРИС) when imaging, findings, conclusions)
_STUDIES: tuple[tuple[str, bool, tuple[str, ...], tuple[str, ...]], ...] = (
    ("Рентгенография органов грудной клетки", True,
     ("Лёгочные поля без очаговых и инфильтративных теней. Корни структурны. Синусы "
      "свободны. Тень сердца не расширена.",
      "Усиление лёгочного рисунка в нижних отделах с обеих сторон. Корни расширены."),
     ("Очаговых и инфильтративных изменений не выявлено.",
      "Рентгенологические признаки бронхита.")),
    ("Флюорография", True,
     ("Лёгочные поля прозрачны, диафрагма обычно расположена.",),
     ("Патологии органов грудной клетки не выявлено.",)),
    ("КТ головного мозга", True,
     ("Срединные структуры не смещены. Желудочки не расширены. Очагов патологической "
      "плотности не выявлено.",),
     ("КТ-признаков острой патологии не выявлено.", "Признаки атрофии вещества мозга.")),
    ("МРТ пояснично-крестцового отдела позвоночника", True,
     ("Высота межпозвонковых дисков L4–L5, L5–S1 снижена. Дорзальная протрузия диска "
      "L5–S1 до {mm} мм.",),
     ("МР-признаки остеохондроза, протрузия диска L5–S1.",)),
    ("УЗИ органов брюшной полости", False,
     ("Печень: размеры не увеличены, эхогенность повышена. Желчный пузырь без "
      "конкрементов. Поджелудочная железа: контуры ровные. Селезёнка {spleen} × 45 мм.",),
     ("Эхопризнаки диффузных изменений печени.", "Эхопризнаки без особенностей.")),
    ("УЗИ щитовидной железы", False,
     ("Объём правой доли {vol} мл, левой {vol2} мл. Эхоструктура однородная. В правой "
      "доле изоэхогенный узел {mm} мм.",),
     ("Узловое образование правой доли щитовидной железы (TI-RADS 3).",
      "Эхопризнаки без особенностей.")),
    ("Эхокардиография", False,
     ("Аорта не расширена. ЛП {lp} мм. КДР ЛЖ {kdr} мм. ФВ (Симпсон) {ef} %. "
      "Клапаны интактны.",),
     ("Гипертрофия миокарда левого желудочка. Систолическая функция сохранена.",
      "Патологических изменений не выявлено.")),
    ("Электрокардиография", False,
     ("Ритм синусовый, ЧСС {hr} в минуту. PQ 0,16 с, QRS 0,09 с, QT 0,38 с. ЭОС "
      "не отклонена.",),
     ("Синусовый ритм. Нормальное положение ЭОС.",
      "Синусовый ритм. Признаки гипертрофии левого желудочка.")),
    ("Фиброгастродуоденоскопия", False,
     ("Пищевод проходим, слизистая розовая. Слизистая желудка очагово гиперемирована в "
      "антральном отделе. Привратник проходим.",),
     ("Очаговый поверхностный гастрит антрального отдела.",)),
)


def study(rng: random.Random) -> tuple[str, str, bool]:
    """(title, findings and conclusion as plain text, imaging) of an instrumental study."""
    title, imaging, findings, conclusions = _pick(rng, _STUDIES)
    values = {"mm": _int(rng, 3, 9), "spleen": _int(rng, 88, 124),
              "vol": _comma(_int(rng, 40, 110) / 10), "vol2": _comma(_int(rng, 35, 100) / 10),
              "lp": _int(rng, 32, 44), "kdr": _int(rng, 44, 58), "ef": _int(rng, 48, 68),
              "hr": _int(rng, 54, 98)}
    text = (f"Описание: {_pick(rng, findings).format(**values)}\n"
            f"Заключение: {_pick(rng, conclusions)}")
    return title, text, imaging


# ---------------------------------------------------------------- PDF reports


def write_pdf(pages: list[bytes]) -> bytes:
    """A PDF of A4 pages, each drawn by its content stream (Helvetica as /F1), written
    by hand: the simulator has no PDF library, and devices print Latin headers."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [" + b" ".join(
                   f"{4 + 2 * i} 0 R".encode() for i in range(len(pages)))
               + f"] /Count {len(pages)} >>".encode(),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    for i, stream in enumerate(pages):
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents "
                       f"{5 + 2 * i} 0 R /Resources << /Font << /F1 3 0 R >> >> >>".encode())
        objects.append(b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream
                       + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n"
            "%%EOF\n").encode()
    return bytes(out)


@functools.cache
def _grid(top: int, bottom: int) -> str:
    """A millimetre grid in pale red between ``bottom`` and ``top`` (PDF points)."""
    ops = ["0.95 0.75 0.75 RG 0.3 w"]
    ops += [f"{x} {bottom} m {x} {top} l S" for x in range(40, 560, 10)]
    ops += [f"40 {y} m 550 {y} l S" for y in range(bottom, top + 1, 10)]
    return "\n".join(ops)


@functools.cache
def _ecg_leads(beat: int) -> str:
    """Three leads of a sinus rhythm, one beat every ``beat`` points (cached per rate)."""
    ops = ["0 0 0 RG 1 w"]
    for lead, base in enumerate((700, 600, 500)):
        pts = []
        for i in range(511):
            t = (i % beat) / beat
            v = (6 * math.exp(-((t - 0.18) / 0.035) ** 2)
                 - 5 * math.exp(-((t - 0.33) / 0.01) ** 2)
                 + (38 - 8 * lead) * math.exp(-((t - 0.36) / 0.012) ** 2)
                 - 9 * math.exp(-((t - 0.39) / 0.012) ** 2)
                 + 10 * math.exp(-((t - 0.62) / 0.06) ** 2))
            pts.append(f"{40 + i} {base + v:.1f}")
        ops.append(pts[0] + " m " + " ".join(p + " l" for p in pts[1:]) + " S")
        ops.append(f"BT /F1 10 Tf 44 {base + 40} Td ({('I', 'II', 'V5')[lead]}) Tj ET")
    return "\n".join(ops)


def _text(lines: list[str], top: int = 800, size: int = 11) -> str:
    out = [f"BT /F1 {size} Tf 40 {top} Td"]
    for i, line in enumerate(lines):
        out.append(("" if i == 0 else f"0 -{size + 5} Td ") + f"({line}) Tj")
    out.append("ET")
    return "\n".join(out)


def _polyline(values: list[float], base: int, scale: float, step: float) -> str:
    pts = [f"{40 + i * step:.0f} {base + v * scale:.0f}" for i, v in enumerate(values)]
    return pts[0] + " m " + " ".join(p + " l" for p in pts[1:]) + " S"


@functools.cache
def _flow_volume(fev1: int) -> str:
    """A spirometry's flow-volume loop, its peak scaled by FEV1 (cached per value)."""
    curve = [12 * math.sin(min(1.0, i / 8) * math.pi / 2) * (1 - i / 60) ** 1.5 * fev1 / 100
             for i in range(60)]
    return _polyline(curve, 450, 22, 8.5)


def _table_page(title: str, head: str, rows: list[str]) -> bytes:
    return _text([title, "", head, *rows], top=800, size=10).encode("ascii")


def pdf_report(rng: random.Random) -> tuple[str, str, bytes]:
    """(title, conclusion, PDF) of a device's report: an ECG (one page), a Holter ECG
    or a 24-hour blood pressure record (two pages: the trace, then the hourly table),
    or a spirometry (one page)."""
    kind = _int(rng, 0, 3)
    hr = _int(rng, 56, 104)
    if kind in (0, 1):
        beat = 5 * round(85 * 72 / hr / 5)  # a trace per 5 points of beat: 11 drawn
        pr, qrs = _int(rng, 130, 200), _int(rng, 80, 110)
        qt = _int(rng, 340, 420)
        head = [("ECG 12-lead  25 mm/s  10 mm/mV  0.05-150 Hz" if kind == 0 else
                 "Holter ECG 24 h  (3 channels)  representative strip"),
                f"HR {hr} bpm   PR {pr} ms   QRS {qrs} ms   QT/QTc {qt}/{qt + _int(rng, 10, 40)}"
                f" ms   Axis {_int(rng, -20, 80):+d}",
                _pick(rng, ("Sinus rhythm.", "Sinus rhythm. Left ventricular hypertrophy "
                            "criteria (Sokolow-Lyon).", "Sinus rhythm. Incomplete RBBB."))]
        first = "\n".join([_grid(760, 430), _ecg_leads(beat), _text(head)]).encode("ascii")
        if kind == 0:
            return ("Электрокардиография", f"Ритм синусовый, ЧСС {hr} в минуту. "
                    f"PQ {_comma(pr / 1000, 2)} с, QRS {_comma(qrs / 1000, 2)} с.",
                    write_pdf([first]))
        table = [f"{h:02d}:00   {hr + _int(rng, -18, 25):4d}   {_int(rng, 0, 40):4d}"
                 f"   {_int(rng, 0, 3):3d}" for h in range(24)]
        pvc = _int(rng, 0, 900)
        return ("Холтеровское мониторирование ЭКГ",
                f"Основной ритм синусовый, ЧСС средняя {hr}, минимальная {hr - 18}, "
                f"максимальная {hr + 52} в минуту. Желудочковая эктопическая активность: "
                f"{pvc} одиночных экстрасистол. Пауз более 2 с нет.",
                write_pdf([first, _table_page("Holter ECG: hourly summary",
                                              "hour     HR    PVC   SVE", table)]))
    if kind == 2:
        sys_ = [_int(rng, 108, 168) for _ in range(48)]
        dia = [s - _int(rng, 35, 60) for s in sys_]
        chart = "\n".join([_grid(760, 430), "0 0 0.6 RG 1 w",
                           _polyline([s - 40 for s in sys_], 430, 1.5, 10.6),
                           _polyline([d - 40 for d in dia], 430, 1.5, 10.6),
                           _text(["ABPM 24 h  (every 30 min)",
                                  f"Mean {sum(sys_) // 48}/{sum(dia) // 48} mmHg"])])
        table = [f"{h // 2:02d}:{30 * (h % 2):02d}   {s:4d} / {d:3d}   "
                 f"{hr + _int(rng, -15, 20):4d}"
                 for h, (s, d) in enumerate(zip(sys_, dia, strict=True))]
        return ("Суточное мониторирование АД",
                f"Среднесуточное АД {sum(sys_) // 48}/{sum(dia) // 48} мм рт. ст. Суточный "
                f"индекс {_int(rng, 4, 18)} %. Нагрузка давлением повышена.",
                write_pdf([chart.encode("ascii"),
                           _table_page("ABPM: readings", "time      SYS / DIA    HR",
                                       table[:44])]))
    fev1 = _int(rng, 62, 112)
    fvc = _int(rng, 70, 115)
    page = "\n".join([_grid(760, 430), "0 0 0 RG 1 w", _flow_volume(fev1),
                      _text(["Spirometry  (flow-volume)",
                             f"FVC {fvc} %pred   FEV1 {fev1} %pred   FEV1/FVC "
                             f"{round(100 * fev1 / max(fvc, 1))} %   PEF {_int(rng, 60, 115)}"
                             " %pred"])])
    return ("Спирометрия", f"ФЖЕЛ {fvc} % должной, ОФВ1 {fev1} % должной. "
            + ("Нарушений вентиляционной функции лёгких не выявлено." if fev1 >= 80
               else "Умеренные обструктивные нарушения вентиляции."), write_pdf([page.encode(
                   "ascii")]))
