"""Every typed error turned into a plain sentence and what happens next (R-KSK-5).

A screen never shows ``str(err)``: that text is for logs. Unknown exceptions get a
generic apology, and the traceback goes to the log only.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from PySide6.QtCore import QT_TRANSLATE_NOOP

from kiosk.domain.credentials import InvalidInput
from kiosk.domain.otp import SendRefusal
from kiosk.services.errors import (
    AccessEnded,
    AccountBlocked,
    BadCredentials,
    CodeExpired,
    CodeTypo,
    NoAccessLeft,
    NoGrants,
    NotFound,
    PinLocked,
    PinWrong,
    PrinterError,
    ResendRefused,
    ServiceUnavailable,
    SimplifiedAccount,
    WrongCode,
)
from kiosk.services.ports import StoreError, UpstreamError
from kiosk.ui.i18n import translate
from kiosk.ui.texts import mmss, moscow


class Next(enum.Enum):
    """Where the window goes after showing the message."""

    STAY = "stay"
    CREDENTIALS = "credentials"
    BLOCKED = "blocked"
    PICKER = "picker"
    SIGN_OUT = "sign_out"


@dataclass(frozen=True)
class Message:
    text: str
    next: Next = Next.STAY
    qr_url: str = ""  # a page the patient can open on their phone (no personal data)


# The domain's InvalidInput sentences, listed so that lupdate puts them in the .ts file.
_DOMAIN_SENTENCES = (
    QT_TRANSLATE_NOOP("Messages", "Введите логин."),
    QT_TRANSLATE_NOOP("Messages", "Логин слишком длинный."),
    QT_TRANSLATE_NOOP("Messages", "Логин может содержать латинские буквы, цифры и знаки . _ @ + -"),
    QT_TRANSLATE_NOOP("Messages", "Введите пароль."),
    QT_TRANSLATE_NOOP("Messages", "Пароль слишком длинный."),
    QT_TRANSLATE_NOOP("Messages", "Пароль содержит недопустимые символы."),
    QT_TRANSLATE_NOOP("Messages", "Опишите, пожалуйста, вопрос."),
    QT_TRANSLATE_NOOP("Messages", "Текст обращения: не более 2000 символов."),
    QT_TRANSLATE_NOOP("Messages", "Контакт: не более 120 символов."),
)


def message_for(
    err: BaseException, level_help_url: str = "", access_request_url: str = "",
    now_seconds_to: float | None = None,
) -> Message:
    """The plain message for ``err``. ``now_seconds_to``: seconds until a resend is allowed."""
    return (_sign_in_message(err, level_help_url, access_request_url)
            or _code_message(err, now_seconds_to)
            or _session_message(err)
            or _fallback_message(err))


def _sign_in_message(err: BaseException, level_help_url: str,
                     access_request_url: str) -> Message | None:
    """Login, password and what the portal and registry said of the account."""
    if isinstance(err, InvalidInput):
        # The domain's message is already a plain Russian sentence.
        return Message(translate("Messages", str(err)))
    if isinstance(err, BadCredentials):
        return Message(translate("Messages",
            "Неверный логин или пароль. Проверьте раскладку клавиатуры и попробуйте ещё раз. "
            "Это те же логин и пароль, что и на mos.ru."))
    if isinstance(err, ServiceUnavailable):
        return _unavailable_message(err)
    if isinstance(err, SimplifiedAccount):
        return Message(translate("Messages",
            "Ваша учётная запись mos.ru — упрощённая. Для входа нужна стандартная или полная: "
            "подтвердите личность в центре госуслуг или онлайн. Наведите камеру телефона на "
            "QR-код, чтобы узнать как."), qr_url=level_help_url)
    if isinstance(err, NoGrants):
        return Message(translate("Messages",
            "У вас пока нет доступа ни к одной медицинской карте. Подайте заявку на доступ "
            "к электронной медицинской карте на mos.ru: наведите камеру телефона на QR-код."),
            qr_url=access_request_url)
    return None


def _unavailable_message(err: ServiceUnavailable) -> Message:
    if err.service == "sms":
        return Message(translate("Messages",
            "Не удалось отправить СМС с кодом. Попробуйте немного позже или обратитесь "
            "к администратору в регистратуре."))
    if err.service == "emr":
        return Message(translate("Messages",
            "Сервис медицинских карт сейчас недоступен. Попробуйте позже или обратитесь "
            "к администратору в регистратуре."))
    if err.service == "store":
        return Message(translate("Messages",
            "Киоск временно не может работать с данными. Обратитесь к администратору "
            "в регистратуре."))
    return Message(translate("Messages",
        "Портал mos.ru сейчас не отвечает. Попробуйте немного позже или обратитесь "
        "к администратору в регистратуре."))


def _code_message(err: BaseException, now_seconds_to: float | None) -> Message | None:
    """The SMS code: typed, checked, expired, resent, and the block it can lead to."""
    if isinstance(err, CodeTypo):
        return Message(translate("Messages",
            "Код — это 6 цифр из СМС. Проверьте и введите ещё раз."))
    if isinstance(err, WrongCode):
        return Message(translate("Messages", "Неверный код. Осталось попыток: %1.")
                       .replace("%1", str(err.attempts_left)))
    if isinstance(err, AccountBlocked):
        return Message(translate("Messages",
            "Вход заблокирован до %1 (время московское), потому что код 5 раз был введён "
            "неверно.").replace("%1", moscow(err.until)), Next.BLOCKED)
    if isinstance(err, CodeExpired):
        return Message(translate("Messages",
            "Время действия кода истекло. Введите логин и пароль ещё раз — мы пришлём новый "
            "код."), Next.CREDENTIALS)
    if isinstance(err, ResendRefused):
        if err.reason is SendRefusal.COOLDOWN and now_seconds_to is not None:
            return Message(translate("Messages", "Новый код можно запросить через %1.")
                           .replace("%1", mmss(now_seconds_to)))
        if err.reason is SendRefusal.NO_ATTEMPT:
            return Message(translate("Messages", "Начните вход заново."), Next.CREDENTIALS)
        return Message(translate("Messages",
            "Больше кодов отправить нельзя. Введите код из последнего СМС или попробуйте "
            "войти позже."))
    return None


def _session_message(err: BaseException) -> Message | None:
    """A signed-in session's errors, the printer's and the staff panel's."""
    if isinstance(err, AccessEnded):
        return Message(translate("Messages",
            "Доступ к этой медицинской карте закончился. Выберите другую карту."), Next.PICKER)
    if isinstance(err, NoAccessLeft):
        return Message(translate("Messages",
            "Доступ к медицинским картам закончился, сеанс завершён. Если это ошибка, "
            "обратитесь в поддержку."), Next.SIGN_OUT)
    if isinstance(err, NotFound):
        return Message(translate("Messages",
            "Документ не найден: возможно, его уже изменили. Обновите список."))
    if isinstance(err, PrinterError):
        return Message(translate("Messages",
            "Не удалось напечатать: принтер недоступен или неисправен. Обратитесь к "
            "администратору в регистратуре."))
    if isinstance(err, PinWrong):
        return Message(translate("Messages", "Неверный PIN. Осталось попыток: %1.")
                       .replace("%1", str(err.attempts_left)))
    if isinstance(err, PinLocked):
        return Message(translate("Messages", "Панель заблокирована до %1.")
                       .replace("%1", moscow(err.until)))
    return None


def _fallback_message(err: BaseException) -> Message:
    if isinstance(err, (UpstreamError, StoreError)):
        return Message(translate("Messages",
            "Сервис временно недоступен. Попробуйте позже или обратитесь к администратору "
            "в регистратуре."))
    return Message(translate("Messages",
        "Что-то пошло не так. Попробуйте ещё раз или обратитесь к администратору "
        "в регистратуре."))
