<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_GB" sourcelanguage="ru_RU">
<context>
    <name>BlockedScreen</name>
    <message>
        <location filename="../../code.py" line="213"/>
        <source>Вход временно заблокирован</source>
        <translation>Sign-in temporarily blocked</translation>
    </message>
    <message>
        <location filename="../../code.py" line="221"/>
        <source>На главную</source>
        <translation>Home</translation>
    </message>
    <message>
        <location filename="../../code.py" line="236"/>
        <source>Вход будет доступен после %1 (время московское).</source>
        <translation>You can sign in again after %1 (Moscow time).</translation>
    </message>
    <message>
        <location filename="../../code.py" line="217"/>
        <source>Код из СМС был введён неверно 5 раз подряд. Так мы защищаем ваши медицинские данные. Блокировка снимется сама, разблокировать её раньше нельзя. Если код вводили не вы — напишите в поддержку.</source>
        <translation>The SMS code was entered wrongly 5 times in a row. This protects your medical data. The block lifts by itself and cannot be lifted earlier. If it was not you who entered the code, write to support.</translation>
    </message>
    <message>
        <location filename="../../code.py" line="224"/>
        <source>Написать в поддержку</source>
        <translation>Write to support</translation>
    </message>
</context>
<context>
    <name>BookingScreen</name>
    <message>
        <location filename="../../booking.py" line="38"/>
        <source>Назад</source>
        <translation>Back</translation>
    </message>
    <message>
        <location filename="../../booking.py" line="40"/>
        <source>Запись к врачу</source>
        <translation>Book a doctor</translation>
    </message>
    <message>
        <location filename="../../booking.py" line="46"/>
        <source>Наведите камеру телефона на QR-код, чтобы открыть запись к врачу на портале mos.ru.</source>
        <translation>Point your phone camera at the QR code to open doctor booking on the mos.ru portal.</translation>
    </message>
    <message>
        <location filename="../../booking.py" line="50"/>
        <source>Нет смартфона? Откройте этот адрес на компьютере:</source>
        <translation>No smartphone? Open this address on a computer:</translation>
    </message>
    <message>
        <location filename="../../booking.py" line="59"/>
        <source>Распечатать</source>
        <translation>Print</translation>
    </message>
    <message>
        <location filename="../../booking.py" line="60"/>
        <source>Памятка напечатана: заберите её из принтера.</source>
        <translation>The slip is printed: please take it from the printer.</translation>
    </message>
    <message>
        <location filename="../../booking.py" line="61"/>
        <source>Памятку напечатать не удалось. Запишите адрес с экрана.</source>
        <translation>The slip could not be printed. Please write down the address from the screen.</translation>
    </message>
    <message>
        <location filename="../../booking.py" line="64"/>
        <source>Распечатать памятку о записи к врачу</source>
        <translation>Print a slip on booking a doctor&apos;s appointment</translation>
    </message>
</context>
<context>
    <name>CodeScreen</name>
    <message>
        <location filename="../../code.py" line="45"/>
        <source>Отмена</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <location filename="../../code.py" line="47"/>
        <location filename="../../code.py" line="54"/>
        <source>Код из СМС</source>
        <translation>SMS code</translation>
    </message>
    <message>
        <location filename="../../code.py" line="69"/>
        <location filename="../../code.py" line="132"/>
        <source>Подтвердить</source>
        <translation>Confirm</translation>
    </message>
    <message>
        <location filename="../../code.py" line="87"/>
        <source>Мы отправили код на номер %1</source>
        <translation>We sent a code to %1</translation>
    </message>
    <message>
        <location filename="../../code.py" line="115"/>
        <source>Код действует ещё %1</source>
        <translation>The code is valid for %1</translation>
    </message>
    <message>
        <location filename="../../code.py" line="118"/>
        <source>Новый код больше отправить нельзя</source>
        <translation>No more codes can be sent</translation>
    </message>
    <message>
        <location filename="../../code.py" line="121"/>
        <source>Отправить ещё раз (через %1)</source>
        <translation>Send again (in %1)</translation>
    </message>
    <message>
        <location filename="../../code.py" line="124"/>
        <source>Отправить ещё раз</source>
        <translation>Send again</translation>
    </message>
    <message>
        <location filename="../../code.py" line="132"/>
        <source>Проверяем…</source>
        <translation>Checking…</translation>
    </message>
    <message>
        <location filename="../../code.py" line="154"/>
        <source>Неверный код. Осталось попыток: %1</source>
        <translation>Wrong code. Attempts left: %1</translation>
    </message>
    <message>
        <location filename="../../code.py" line="184"/>
        <source>Новый код отправлен. Предыдущий код больше не действует.</source>
        <translation>A new code was sent. The previous code no longer works.</translation>
    </message>
    <message>
        <location filename="../../code.py" line="152"/>
        <source>Неверный код.</source>
        <translation>Wrong code.</translation>
    </message>
    <message>
        <location filename="../../code.py" line="169"/>
        <source>Это последняя попытка. Если и этот код окажется неверным, вход в кабинет будет заблокирован на %1 ч — даже с правильным паролем, и раньше снять блокировку нельзя. Не уверены — запросите новый код.</source>
        <translation>This is the last attempt. If this code is wrong too, sign-in will be blocked for %1 h — even with the right password, and the block cannot be lifted earlier. Not sure? Ask for a new code.</translation>
    </message>
</context>
<context>
    <name>CredentialsScreen</name>
    <message>
        <location filename="../../credentials.py" line="38"/>
        <source>Назад</source>
        <translation>Back</translation>
    </message>
    <message>
        <location filename="../../credentials.py" line="40"/>
        <source>Вход через mos.ru</source>
        <translation>Sign in with mos.ru</translation>
    </message>
    <message>
        <location filename="../../credentials.py" line="42"/>
        <source>Введите логин и пароль, которые вы используете на портале mos.ru. Логин — это электронная почта, телефон или СНИЛС.</source>
        <translation>Enter the login and password you use on the mos.ru portal. The login is your e-mail, phone number or SNILS.</translation>
    </message>
    <message>
        <location filename="../../credentials.py" line="49"/>
        <location filename="../../credentials.py" line="59"/>
        <source>Логин</source>
        <translation>Login</translation>
    </message>
    <message>
        <location filename="../../credentials.py" line="53"/>
        <location filename="../../credentials.py" line="61"/>
        <source>Пароль</source>
        <translation>Password</translation>
    </message>
    <message>
        <location filename="../../credentials.py" line="56"/>
        <location filename="../../credentials.py" line="93"/>
        <source>Показать</source>
        <translation>Show</translation>
    </message>
    <message>
        <location filename="../../credentials.py" line="69"/>
        <location filename="../../credentials.py" line="118"/>
        <source>Получить код по СМС</source>
        <translation>Get a code by SMS</translation>
    </message>
    <message>
        <location filename="../../credentials.py" line="93"/>
        <source>Скрыть</source>
        <translation>Hide</translation>
    </message>
    <message>
        <location filename="../../credentials.py" line="105"/>
        <source>Киоск ещё запускается. Подождите несколько секунд.</source>
        <translation>The kiosk is still starting. Please wait a few seconds.</translation>
    </message>
    <message>
        <location filename="../../credentials.py" line="118"/>
        <source>Проверяем…</source>
        <translation>Checking…</translation>
    </message>
</context>
<context>
    <name>DemoPhone</name>
    <message>
        <location filename="../../demo.py" line="105"/>
        <source>Демо-телефон</source>
        <translation>Demo phone</translation>
    </message>
    <message>
        <location filename="../../demo.py" line="106"/>
        <source>Тестовые учётные записи (нажмите, чтобы подставить):</source>
        <translation>Test accounts (tap to fill in):</translation>
    </message>
    <message>
        <location filename="../../demo.py" line="118"/>
        <source>Одобрить вход</source>
        <translation>Approve sign-in</translation>
    </message>
    <message>
        <location filename="../../demo.py" line="124"/>
        <source>СМС:</source>
        <translation>SMS:</translation>
    </message>
    <message>
        <location filename="../../demo.py" line="150"/>
        <source>Вход одобрен как {login}.</source>
        <translation>Sign-in approved as {login}.</translation>
    </message>
    <message>
        <location filename="../../demo.py" line="151"/>
        <source>Нет входа, ждущего одобрения: откройте на киоске вход по QR-коду.</source>
        <translation>No sign-in is waiting for approval: open QR sign-in on the kiosk.</translation>
    </message>
    <message>
        <location filename="../../demo.py" line="162"/>
        <source>Пока ничего не пришло.</source>
        <translation>Nothing has arrived yet.</translation>
    </message>
</context>
<context>
    <name>DeviceScreen</name>
    <message>
        <location filename="../../device.py" line="44"/>
        <source>Отмена</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <location filename="../../device.py" line="46"/>
        <source>Вход по QR-коду</source>
        <translation>Sign in with a QR code</translation>
    </message>
    <message>
        <location filename="../../device.py" line="48"/>
        <source>Наведите камеру телефона на QR-код и войдите на портал mos.ru на телефоне. Проверьте, что код на телефоне совпадает с кодом ниже, и одобрите вход.</source>
        <translation>Point your phone camera at the QR code and sign in to the mos.ru portal on your phone. Check that the code on your phone matches the code below, and approve the sign-in.</translation>
    </message>
    <message>
        <location filename="../../device.py" line="65"/>
        <source>Показать новый QR-код</source>
        <translation>Show a new QR code</translation>
    </message>
    <message>
        <location filename="../../device.py" line="70"/>
        <source>После одобрения на ваш телефон придёт СМС с кодом: его нужно будет ввести здесь.</source>
        <translation>After you approve, an SMS with a code comes to your phone: you will enter it here.</translation>
    </message>
    <message>
        <location filename="../../device.py" line="90"/>
        <source>Готовим QR-код…</source>
        <translation>Preparing the QR code…</translation>
    </message>
    <message>
        <location filename="../../device.py" line="104"/>
        <source>Код для телефона</source>
        <translation>Code for your phone</translation>
    </message>
    <message>
        <location filename="../../device.py" line="116"/>
        <source>Код действует ещё %1</source>
        <translation>The code is valid for %1</translation>
    </message>
    <message>
        <location filename="../../device.py" line="127"/>
        <source>Вход отклонён на телефоне.</source>
        <translation>Sign-in was declined on the phone.</translation>
    </message>
    <message>
        <location filename="../../device.py" line="129"/>
        <source>Время QR-кода истекло.</source>
        <translation>The QR code has expired.</translation>
    </message>
</context>
<context>
    <name>DocumentScreen</name>
    <message>
        <location filename="../../document.py" line="82"/>
        <source>К списку</source>
        <translation>Back to list</translation>
    </message>
    <message>
        <location filename="../../document.py" line="95"/>
        <location filename="../../document.py" line="113"/>
        <source>Текст документа</source>
        <translation>Document text</translation>
    </message>
    <message>
        <location filename="../../document.py" line="119"/>
        <source>Печать</source>
        <translation>Print</translation>
    </message>
</context>
<context>
    <name>EmrCardWidget</name>
    <message>
        <location filename="../../picker.py" line="55"/>
        <source>Пол: %1</source>
        <translation>Sex: %1</translation>
    </message>
    <message>
        <location filename="../../picker.py" line="60"/>
        <source>Доступ к карте закончится %1, когда ребёнку исполнится %2 лет</source>
        <translation>Access to this record ends on %1, when the child turns %2</translation>
    </message>
    <message>
        <location filename="../../picker.py" line="64"/>
        <source>Данные карты ещё загружаются.</source>
        <translation>The record is still loading.</translation>
    </message>
    <message>
        <location filename="../../picker.py" line="65"/>
        <source>Открыть карту</source>
        <translation>Open record</translation>
    </message>
    <message>
        <location filename="../../picker.py" line="66"/>
        <source>Открыть карту: %1</source>
        <translation>Open record: %1</translation>
    </message>
</context>
<context>
    <name>EmrScreen</name>
    <message>
        <location filename="../../emr.py" line="342"/>
        <source>Сменить карту</source>
        <extracomment>The largest page the list asks for (the service&apos;s own cap). Pages grow from ``PAGE`` by doubling what is loaded: each page inserted makes ``QListView`` lay out every row it holds again, asking the model about each one from C++ (``index`` → ``rowCount``, ~2.5 µs a row through PySide), so pages of 50 cost a 50k-document EMR paged to its end ~10^7 such calls, 14 s (issue 18, ``scroll_ms``). Doubling keeps the layouts&apos; total at a few times the rows.</extracomment>
        <translation>Switch record</translation>
    </message>
    <message>
        <location filename="../../emr.py" line="344"/>
        <source>Выйти</source>
        <translation>Sign out</translation>
    </message>
    <message>
        <location filename="../../emr.py" line="389"/>
        <source>Печать выбранных</source>
        <translation>Print selected</translation>
    </message>
    <message>
        <location filename="../../emr.py" line="392"/>
        <source>Запись к врачу</source>
        <translation>Book a doctor</translation>
    </message>
    <message>
        <location filename="../../emr.py" line="394"/>
        <source>Поддержка</source>
        <translation>Support</translation>
    </message>
    <message>
        <location filename="../../emr.py" line="401"/>
        <source>Нажмите на документ, чтобы открыть его. Квадрат слева — выбрать для печати.</source>
        <translation>Tap a document to open it. Tap the square on the left to select it for printing.</translation>
    </message>
    <message>
        <location filename="../../emr.py" line="437"/>
        <source>Пол: %1</source>
        <translation>Sex: %1</translation>
    </message>
    <message>
        <location filename="../../emr.py" line="441"/>
        <source>Данные на %1. Сервис медицинских карт сейчас недоступен, показаны сохранённые данные.</source>
        <translation>Data as of %1. The medical records service is unavailable right now; saved data is shown.</translation>
    </message>
    <message>
        <location filename="../../emr.py" line="445"/>
        <source>Данные карты ещё не загружены. Попробуйте позже.</source>
        <translation>The record has not been loaded yet. Please try later.</translation>
    </message>
    <message>
        <location filename="../../emr.py" line="516"/>
        <source>В этом разделе документов нет.</source>
        <translation>There are no documents in this section.</translation>
    </message>
    <message>
        <location filename="../../emr.py" line="522"/>
        <source>Печать выбранных (%1)</source>
        <translation>Print selected (%1)</translation>
    </message>
</context>
<context>
    <name>Header</name>
    <message>
        <location filename="../../widgets.py" line="357"/>
        <source>ЛКП</source>
        <translation>PPA</translation>
    </message>
    <message>
        <location filename="../../widgets.py" line="358"/>
        <source>Личный кабинет пациента</source>
        <translation>Patient&apos;s personal account</translation>
    </message>
    <message>
        <location filename="../../widgets.py" line="354"/>
        <source>Озвучить</source>
        <translation>Read aloud</translation>
    </message>
    <message>
        <location filename="../../widgets.py" line="355"/>
        <source>Озвучить экран</source>
        <translation>Read the screen aloud</translation>
    </message>
</context>
<context>
    <name>Keyboard</name>
    <message>
        <location filename="../../keyboard.py" line="116"/>
        <source>Сменить язык</source>
        <translation>Switch language</translation>
    </message>
    <message>
        <location filename="../../keyboard.py" line="117"/>
        <source>Пробел</source>
        <translation>Space</translation>
    </message>
    <message>
        <location filename="../../keyboard.py" line="120"/>
        <source>Стереть</source>
        <translation>Delete</translation>
    </message>
    <message>
        <location filename="../../keyboard.py" line="121"/>
        <source>Ввод</source>
        <translation>Enter</translation>
    </message>
    <message>
        <location filename="../../keyboard.py" line="109"/>
        <source>Заглавная буква</source>
        <extracomment>The letters page&apos;s last row: what a login (e-mail) or a sentence needs most. The symbols page: every printable ASCII character that is neither a letter nor a digit.</extracomment>
        <translation>Capital letter</translation>
    </message>
    <message>
        <location filename="../../keyboard.py" line="112"/>
        <source>Все заглавные</source>
        <translation>Caps lock</translation>
    </message>
    <message>
        <location filename="../../keyboard.py" line="252"/>
        <source>Символы</source>
        <extracomment>The bottom row&apos;s keys and stretches; on two lines where one is too narrow.</extracomment>
        <translation>Symbols</translation>
    </message>
    <message>
        <location filename="../../keyboard.py" line="253"/>
        <source>Буквы</source>
        <translation>Letters</translation>
    </message>
    <message>
        <location filename="../../keyboard.py" line="364"/>
        <source>точка</source>
        <translation>full stop</translation>
    </message>
    <message>
        <location filename="../../keyboard.py" line="365"/>
        <source>запятая</source>
        <translation>comma</translation>
    </message>
    <message>
        <location filename="../../keyboard.py" line="366"/>
        <source>вопросительный знак</source>
        <translation>question mark</translation>
    </message>
    <message>
        <location filename="../../keyboard.py" line="367"/>
        <source>восклицательный знак</source>
        <translation>exclamation mark</translation>
    </message>
    <message>
        <location filename="../../keyboard.py" line="368"/>
        <source>дефис</source>
        <translation>hyphen</translation>
    </message>
    <message>
        <location filename="../../keyboard.py" line="369"/>
        <source>подчёркивание</source>
        <translation>underscore</translation>
    </message>
    <message>
        <location filename="../../keyboard.py" line="370"/>
        <source>собака</source>
        <translation>at sign</translation>
    </message>
    <message>
        <location filename="../../keyboard.py" line="371"/>
        <source>пробел</source>
        <translation>space</translation>
    </message>
</context>
<context>
    <name>Keypad</name>
    <message>
        <location filename="../../widgets.py" line="845"/>
        <source>Стереть</source>
        <translation>Delete</translation>
    </message>
    <message>
        <location filename="../../widgets.py" line="852"/>
        <source>Сброс</source>
        <translation>Clear</translation>
    </message>
    <message>
        <location filename="../../widgets.py" line="853"/>
        <source>Очистить</source>
        <translation>Clear all</translation>
    </message>
</context>
<context>
    <name>KioskWindow</name>
    <message>
        <location filename="../../window.py" line="667"/>
        <source>Киоск сейчас не может начать работу. Обратитесь к администратору в регистратуре.</source>
        <translation>The kiosk cannot start right now. Please ask the receptionist.</translation>
    </message>
    <message>
        <location filename="../../window.py" line="335"/>
        <location filename="../../window.py" line="947"/>
        <source>Личный кабинет пациента</source>
        <extracomment>Every screen but Welcome, in the order the idle-time build makes them (the patient&apos;s path first). Each module is imported only when its screen is first built. The mode the kiosk is configured for; the staff panel may leave it only for as long as the panel is open (R-KSK-4).</extracomment>
        <translation>Patient&apos;s personal account</translation>
    </message>
    <message>
        <location filename="../../window.py" line="669"/>
        <source>Киоск запускается…</source>
        <translation>The kiosk is starting…</translation>
    </message>
    <message>
        <location filename="../../window.py" line="680"/>
        <source>Киоск запускается, подождите несколько секунд…</source>
        <translation>The kiosk is starting, please wait a few seconds…</translation>
    </message>
    <message>
        <location filename="../../window.py" line="838"/>
        <source>Готово. Заберите, пожалуйста, документы из принтера.</source>
        <translation>Done. Please take your documents from the printer.</translation>
    </message>
    <message>
        <location filename="../../window.py" line="887"/>
        <source>Вы ещё здесь? Через %1 сеанс завершится, а данные будут стёрты с экрана. Коснитесь экрана, чтобы продолжить.</source>
        <translation>Are you still there? In %1 the session ends and your data is cleared from the screen. Touch the screen to continue.</translation>
    </message>
    <message>
        <location filename="../../window.py" line="890"/>
        <source>Продолжить</source>
        <translation>Continue</translation>
    </message>
</context>
<context>
    <name>LabTable</name>
    <message>
        <location filename="../../content.py" line="116"/>
        <source>Показатель</source>
        <translation>Test</translation>
    </message>
    <message>
        <location filename="../../content.py" line="117"/>
        <source>Результат</source>
        <translation>Result</translation>
    </message>
    <message>
        <location filename="../../content.py" line="118"/>
        <source>Ед. изм.</source>
        <translation>Unit</translation>
    </message>
    <message>
        <location filename="../../content.py" line="119"/>
        <location filename="../../content.py" line="251"/>
        <source>Норма</source>
        <translation>Range</translation>
    </message>
    <message>
        <location filename="../../content.py" line="120"/>
        <source>Отметка</source>
        <translation>Flag</translation>
    </message>
    <message>
        <location filename="../../content.py" line="125"/>
        <source>Результаты анализов</source>
        <translation>Test results</translation>
    </message>
</context>
<context>
    <name>LabTrend</name>
    <message>
        <location filename="../../lab_trend.py" line="71"/>
        <source>за %1 год</source>
        <translation>in %1</translation>
    </message>
    <message>
        <location filename="../../lab_trend.py" line="72"/>
        <source>с %1 по %2</source>
        <translation>from %1 to %2</translation>
    </message>
    <message>
        <location filename="../../lab_trend.py" line="73"/>
        <source>значение</source>
        <translation>value</translation>
    </message>
    <message>
        <location filename="../../lab_trend.py" line="74"/>
        <source>значения</source>
        <translation>values</translation>
    </message>
    <message>
        <location filename="../../lab_trend.py" line="75"/>
        <source>значений</source>
        <translation>values</translation>
    </message>
    <message>
        <location filename="../../lab_trend.py" line="76"/>
        <source>%1: %2 %3, последнее %4</source>
        <translation>%1: %2 %3, latest %4</translation>
    </message>
    <message>
        <location filename="../../lab_trend.py" line="77"/>
        <source>в норме</source>
        <translation>within range</translation>
    </message>
    <message>
        <location filename="../../lab_trend.py" line="78"/>
        <source>выше нормы</source>
        <translation>above range</translation>
    </message>
    <message>
        <location filename="../../lab_trend.py" line="79"/>
        <source>ниже нормы</source>
        <translation>below range</translation>
    </message>
    <message>
        <location filename="../../lab_trend.py" line="80"/>
        <source>вне нормы</source>
        <translation>out of range</translation>
    </message>
    <message>
        <location filename="../../lab_trend.py" line="81"/>
        <source>норма %1–%2</source>
        <translation>reference range %1–%2</translation>
    </message>
    <message>
        <location filename="../../lab_trend.py" line="82"/>
        <source>норма от %1</source>
        <translation>reference range from %1</translation>
    </message>
    <message>
        <location filename="../../lab_trend.py" line="83"/>
        <source>норма до %1</source>
        <translation>reference range up to %1</translation>
    </message>
    <message>
        <location filename="../../lab_trend.py" line="84"/>
        <source>норма не указана</source>
        <translation>no reference range given</translation>
    </message>
    <message>
        <location filename="../../lab_trend.py" line="426"/>
        <source>Динамика: %1</source>
        <translation>Trend: %1</translation>
    </message>
</context>
<context>
    <name>Messages</name>
    <message>
        <location filename="../../messages.py" line="57"/>
        <source>Введите логин.</source>
        <translation>Enter your login.</translation>
    </message>
    <message>
        <location filename="../../messages.py" line="58"/>
        <source>Логин слишком длинный.</source>
        <translation>The login is too long.</translation>
    </message>
    <message>
        <location filename="../../messages.py" line="59"/>
        <source>Логин может содержать латинские буквы, цифры и знаки . _ @ + -</source>
        <translation>A login may contain Latin letters, digits and . _ @ + -</translation>
    </message>
    <message>
        <location filename="../../messages.py" line="60"/>
        <source>Введите пароль.</source>
        <translation>Enter your password.</translation>
    </message>
    <message>
        <location filename="../../messages.py" line="61"/>
        <source>Пароль слишком длинный.</source>
        <translation>The password is too long.</translation>
    </message>
    <message>
        <location filename="../../messages.py" line="62"/>
        <source>Пароль содержит недопустимые символы.</source>
        <translation>The password contains characters that are not allowed.</translation>
    </message>
    <message>
        <location filename="../../messages.py" line="63"/>
        <source>Опишите, пожалуйста, вопрос.</source>
        <translation>Please describe your question.</translation>
    </message>
    <message>
        <location filename="../../messages.py" line="64"/>
        <source>Текст обращения: не более 2000 символов.</source>
        <translation>Request text: at most 2000 characters.</translation>
    </message>
    <message>
        <location filename="../../messages.py" line="65"/>
        <source>Контакт: не более 120 символов.</source>
        <translation>Contact: at most 120 characters.</translation>
    </message>
    <message>
        <location filename="../../messages.py" line="87"/>
        <source>Неверный логин или пароль. Проверьте раскладку клавиатуры и попробуйте ещё раз. Это те же логин и пароль, что и на mos.ru.</source>
        <translation>Wrong login or password. Check the keyboard layout and try again. These are the same login and password as on mos.ru.</translation>
    </message>
    <message>
        <location filename="../../messages.py" line="107"/>
        <source>Не удалось отправить СМС с кодом. Попробуйте немного позже или обратитесь к администратору в регистратуре.</source>
        <translation>The SMS with the code could not be sent. Please try a little later or ask the receptionist.</translation>
    </message>
    <message>
        <location filename="../../messages.py" line="111"/>
        <source>Сервис медицинских карт сейчас недоступен. Попробуйте позже или обратитесь к администратору в регистратуре.</source>
        <translation>The medical records service is unavailable right now. Please try later or ask the receptionist.</translation>
    </message>
    <message>
        <location filename="../../messages.py" line="115"/>
        <source>Киоск временно не может работать с данными. Обратитесь к администратору в регистратуре.</source>
        <translation>The kiosk cannot reach its data right now. Please ask the receptionist.</translation>
    </message>
    <message>
        <location filename="../../messages.py" line="118"/>
        <source>Портал mos.ru сейчас не отвечает. Попробуйте немного позже или обратитесь к администратору в регистратуре.</source>
        <translation>The mos.ru portal is not responding right now. Please try a little later or ask the receptionist.</translation>
    </message>
    <message>
        <location filename="../../messages.py" line="93"/>
        <source>Ваша учётная запись mos.ru — упрощённая. Для входа нужна стандартная или полная: подтвердите личность в центре госуслуг или онлайн. Наведите камеру телефона на QR-код, чтобы узнать как.</source>
        <translation>Your mos.ru account is a simplified one. Signing in needs a standard or full account: confirm your identity at a public services centre or online. Point your phone camera at the QR code to find out how.</translation>
    </message>
    <message>
        <location filename="../../messages.py" line="98"/>
        <source>У вас пока нет доступа ни к одной медицинской карте. Подайте заявку на доступ к электронной медицинской карте на mos.ru: наведите камеру телефона на QR-код.</source>
        <translation>You do not have access to any medical record yet. Request access to an electronic medical record on mos.ru: point your phone camera at the QR code.</translation>
    </message>
    <message>
        <location filename="../../messages.py" line="126"/>
        <source>Код — это 6 цифр из СМС. Проверьте и введите ещё раз.</source>
        <translation>The code is the 6 digits from the SMS. Check it and enter it again.</translation>
    </message>
    <message>
        <location filename="../../messages.py" line="129"/>
        <source>Неверный код. Осталось попыток: %1.</source>
        <translation>Wrong code. Attempts left: %1.</translation>
    </message>
    <message>
        <location filename="../../messages.py" line="132"/>
        <source>Вход заблокирован до %1 (время московское), потому что код 5 раз был введён неверно.</source>
        <translation>Sign-in is blocked until %1 (Moscow time) because a wrong code was entered 5 times.</translation>
    </message>
    <message>
        <location filename="../../messages.py" line="136"/>
        <source>Время действия кода истекло. Введите логин и пароль ещё раз — мы пришлём новый код.</source>
        <translation>The code has expired. Enter your login and password again and we will send a new code.</translation>
    </message>
    <message>
        <location filename="../../messages.py" line="141"/>
        <source>Новый код можно запросить через %1.</source>
        <translation>You can request a new code in %1.</translation>
    </message>
    <message>
        <location filename="../../messages.py" line="144"/>
        <source>Начните вход заново.</source>
        <translation>Please start signing in again.</translation>
    </message>
    <message>
        <location filename="../../messages.py" line="145"/>
        <source>Больше кодов отправить нельзя. Введите код из последнего СМС или попробуйте войти позже.</source>
        <translation>No more codes can be sent. Enter the code from the last SMS or try signing in later.</translation>
    </message>
    <message>
        <location filename="../../messages.py" line="154"/>
        <source>Доступ к этой медицинской карте закончился. Выберите другую карту.</source>
        <translation>Access to this medical record has ended. Please choose another record.</translation>
    </message>
    <message>
        <location filename="../../messages.py" line="157"/>
        <source>Доступ к медицинским картам закончился, сеанс завершён. Если это ошибка, обратитесь в поддержку.</source>
        <translation>Access to medical records has ended and the session is closed. If this is a mistake, contact support.</translation>
    </message>
    <message>
        <location filename="../../messages.py" line="161"/>
        <source>Документ не найден: возможно, его уже изменили. Обновите список.</source>
        <translation>Document not found: it may have been changed. Refresh the list.</translation>
    </message>
    <message>
        <location filename="../../messages.py" line="164"/>
        <source>Не удалось напечатать: принтер недоступен или неисправен. Обратитесь к администратору в регистратуре.</source>
        <translation>Printing failed: the printer is unavailable or out of order. Please ask the receptionist.</translation>
    </message>
    <message>
        <location filename="../../messages.py" line="168"/>
        <source>Неверный PIN. Осталось попыток: %1.</source>
        <translation>Wrong PIN. Attempts left: %1.</translation>
    </message>
    <message>
        <location filename="../../messages.py" line="171"/>
        <source>Панель заблокирована до %1.</source>
        <translation>The panel is locked until %1.</translation>
    </message>
    <message>
        <location filename="../../messages.py" line="178"/>
        <source>Сервис временно недоступен. Попробуйте позже или обратитесь к администратору в регистратуре.</source>
        <translation>The service is temporarily unavailable. Please try later or ask the receptionist.</translation>
    </message>
    <message>
        <location filename="../../messages.py" line="181"/>
        <source>Что-то пошло не так. Попробуйте ещё раз или обратитесь к администратору в регистратуре.</source>
        <translation>Something went wrong. Please try again or ask the receptionist.</translation>
    </message>
</context>
<context>
    <name>Overlay</name>
    <message>
        <location filename="../../widgets.py" line="742"/>
        <location filename="../../widgets.py" line="760"/>
        <source>Понятно</source>
        <translation>OK</translation>
    </message>
</context>
<context>
    <name>PdfView</name>
    <message>
        <location filename="../../content.py" line="300"/>
        <source>Уменьшить</source>
        <translation>Zoom out</translation>
    </message>
    <message>
        <location filename="../../content.py" line="301"/>
        <source>Увеличить</source>
        <translation>Zoom in</translation>
    </message>
    <message>
        <location filename="../../content.py" line="302"/>
        <source>По ширине</source>
        <translation>Fit width</translation>
    </message>
    <message>
        <location filename="../../content.py" line="352"/>
        <source>Страница %1 из %2</source>
        <translation>Page %1 of %2</translation>
    </message>
    <message>
        <location filename="../../content.py" line="357"/>
        <source>Страниц: %1</source>
        <translation>Pages: %1</translation>
    </message>
    <message>
        <location filename="../../content.py" line="445"/>
        <source>Этот PDF-файл не удаётся показать: он повреждён или в нём ошибка. Его текст, если он есть, показан выше; бумажную копию можно получить в регистратуре.</source>
        <translation>This PDF file cannot be shown: it is damaged or has an error. Its text, if any, is shown above; you can get a paper copy at the reception.</translation>
    </message>
</context>
<context>
    <name>PickerScreen</name>
    <message>
        <location filename="../../picker.py" line="88"/>
        <source>Выйти</source>
        <translation>Sign out</translation>
    </message>
    <message>
        <location filename="../../picker.py" line="90"/>
        <source>Выберите медицинскую карту</source>
        <translation>Choose a medical record</translation>
    </message>
    <message>
        <location filename="../../picker.py" line="91"/>
        <source>Вы можете сменить карту в любой момент.</source>
        <translation>You can switch records at any time.</translation>
    </message>
    <message>
        <location filename="../../picker.py" line="108"/>
        <source>Загружаем ваши медицинские карты…</source>
        <translation>Loading your medical records…</translation>
    </message>
</context>
<context>
    <name>PreviewScreen</name>
    <message>
        <location filename="../../preview.py" line="42"/>
        <source>Отмена</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <location filename="../../preview.py" line="44"/>
        <source>Предпросмотр печати</source>
        <translation>Print preview</translation>
    </message>
    <message>
        <location filename="../../preview.py" line="68"/>
        <source>Предыдущая страница</source>
        <translation>Previous page</translation>
    </message>
    <message>
        <location filename="../../preview.py" line="69"/>
        <source>Следующая страница</source>
        <translation>Next page</translation>
    </message>
    <message>
        <location filename="../../preview.py" line="71"/>
        <source>Уменьшить</source>
        <translation>Zoom out</translation>
    </message>
    <message>
        <location filename="../../preview.py" line="72"/>
        <source>По ширине</source>
        <translation>Fit width</translation>
    </message>
    <message>
        <location filename="../../preview.py" line="73"/>
        <source>Увеличить</source>
        <translation>Zoom in</translation>
    </message>
    <message>
        <location filename="../../preview.py" line="93"/>
        <location filename="../../preview.py" line="129"/>
        <source>Напечатать</source>
        <translation>Print</translation>
    </message>
    <message>
        <location filename="../../preview.py" line="104"/>
        <source>Документов: %1. Проверьте и нажмите «Напечатать».</source>
        <translation>Documents: %1. Check them and press “Print”.</translation>
    </message>
    <message>
        <location filename="../../preview.py" line="122"/>
        <source>Страница %1 из %2</source>
        <translation>Page %1 of %2</translation>
    </message>
    <message>
        <location filename="../../preview.py" line="129"/>
        <source>Печатаем…</source>
        <translation>Printing…</translation>
    </message>
</context>
<context>
    <name>QrWidget</name>
    <message>
        <location filename="../../widgets.py" line="640"/>
        <source>QR-код</source>
        <translation>QR code</translation>
    </message>
</context>
<context>
    <name>RefusalScreen</name>
    <message>
        <location filename="../../refusal.py" line="39"/>
        <source>Киоск сейчас не работает. Обратитесь, пожалуйста, в регистратуру.</source>
        <translation>The kiosk is not working at the moment. Please ask at the reception desk.</translation>
    </message>
    <message>
        <location filename="../../refusal.py" line="46"/>
        <source>Для администратора: киоск не настроен для работы с пациентами (%1). Подробности — в системном журнале; проверка: kiosk check-config.</source>
        <translation>For the administrator: the kiosk is not configured to serve patients (%1). Details are in the system journal; check: kiosk check-config.</translation>
    </message>
</context>
<context>
    <name>SlipPrint</name>
    <message>
        <location filename="../../slips.py" line="79"/>
        <source>Печатаем…</source>
        <translation>Printing…</translation>
    </message>
</context>
<context>
    <name>Speech</name>
    <message>
        <location filename="../../speech.py" line="156"/>
        <source>норма от %1 до %2</source>
        <translation>normal range %1 to %2</translation>
    </message>
    <message>
        <location filename="../../speech.py" line="157"/>
        <source>норма до %1</source>
        <translation>normal up to %1</translation>
    </message>
    <message>
        <location filename="../../speech.py" line="158"/>
        <source>норма от %1</source>
        <translation>normal from %1</translation>
    </message>
    <message>
        <location filename="../../speech.py" line="159"/>
        <source>норма %1</source>
        <translation>normal range %1</translation>
    </message>
    <message>
        <location filename="../../speech.py" line="160"/>
        <source>тысяч на микролитр</source>
        <translation>thousand per microlitre</translation>
    </message>
    <message>
        <location filename="../../speech.py" line="161"/>
        <source>миллионов на микролитр</source>
        <translation>million per microlitre</translation>
    </message>
    <message>
        <location filename="../../speech.py" line="162"/>
        <source>грамм на литр</source>
        <translation>grams per litre</translation>
    </message>
    <message>
        <location filename="../../speech.py" line="163"/>
        <source>миллиграмм на литр</source>
        <translation>milligrams per litre</translation>
    </message>
    <message>
        <location filename="../../speech.py" line="164"/>
        <source>миллимоль на литр</source>
        <translation>millimoles per litre</translation>
    </message>
    <message>
        <location filename="../../speech.py" line="165"/>
        <source>микромоль на литр</source>
        <translation>micromoles per litre</translation>
    </message>
    <message>
        <location filename="../../speech.py" line="166"/>
        <source>нанограмм на миллилитр</source>
        <translation>nanograms per millilitre</translation>
    </message>
    <message>
        <location filename="../../speech.py" line="167"/>
        <source>единиц на литр</source>
        <translation>units per litre</translation>
    </message>
    <message>
        <location filename="../../speech.py" line="168"/>
        <source>процентов</source>
        <translation>per cent</translation>
    </message>
    <message>
        <location filename="../../speech.py" line="169"/>
        <source>фемтолитров</source>
        <translation>femtolitres</translation>
    </message>
    <message>
        <location filename="../../speech.py" line="170"/>
        <source>пикограммов</source>
        <translation>picograms</translation>
    </message>
    <message>
        <location filename="../../speech.py" line="171"/>
        <source>миллиметров в час</source>
        <translation>millimetres per hour</translation>
    </message>
    <message>
        <location filename="../../speech.py" line="172"/>
        <source>выше нормы</source>
        <translation>above normal</translation>
    </message>
    <message>
        <location filename="../../speech.py" line="173"/>
        <source>ниже нормы</source>
        <translation>below normal</translation>
    </message>
    <message>
        <location filename="../../speech.py" line="174"/>
        <source>вне нормы</source>
        <translation>out of the normal range</translation>
    </message>
</context>
<context>
    <name>StaffScreen</name>
    <message>
        <location filename="../../staff.py" line="65"/>
        <source>Закрыть</source>
        <translation>Close</translation>
    </message>
    <message>
        <location filename="../../staff.py" line="67"/>
        <source>Панель администратора</source>
        <translation>Staff panel</translation>
    </message>
    <message>
        <location filename="../../staff.py" line="79"/>
        <source>Введите PIN администратора</source>
        <translation>Enter the staff PIN</translation>
    </message>
    <message>
        <location filename="../../staff.py" line="85"/>
        <source>PIN администратора</source>
        <translation>Staff PIN</translation>
    </message>
    <message>
        <location filename="../../staff.py" line="93"/>
        <source>Войти</source>
        <translation>Sign in</translation>
    </message>
    <message>
        <location filename="../../staff.py" line="132"/>
        <source>Состояние киоска</source>
        <translation>Kiosk health</translation>
    </message>
    <message>
        <location filename="../../staff.py" line="133"/>
        <location filename="../../staff.py" line="204"/>
        <source>Проверяем…</source>
        <translation>Checking…</translation>
    </message>
    <message>
        <location filename="../../staff.py" line="138"/>
        <source>Проверить ещё раз</source>
        <translation>Check again</translation>
    </message>
    <message>
        <location filename="../../staff.py" line="140"/>
        <source>Синхронизировать</source>
        <translation>Synchronise</translation>
    </message>
    <message>
        <location filename="../../staff.py" line="147"/>
        <source>Блокировка пользователя по логину</source>
        <translation>A user&apos;s block by login</translation>
    </message>
    <message>
        <location filename="../../staff.py" line="151"/>
        <source>Логин пользователя</source>
        <translation>User&apos;s login</translation>
    </message>
    <message>
        <location filename="../../staff.py" line="153"/>
        <source>Проверить</source>
        <translation>Check</translation>
    </message>
    <message>
        <location filename="../../staff.py" line="169"/>
        <source>Крупный текст</source>
        <translation>Large text</translation>
    </message>
    <message>
        <location filename="../../staff.py" line="177"/>
        <source>Выйти из киоска</source>
        <translation>Leave kiosk</translation>
    </message>
    <message>
        <location filename="../../staff.py" line="178"/>
        <source>Выйти из режима киоска</source>
        <translation>Leave kiosk mode</translation>
    </message>
    <message>
        <location filename="../../staff.py" line="220"/>
        <source>Портал mos.ru</source>
        <translation>mos.ru portal</translation>
    </message>
    <message>
        <location filename="../../staff.py" line="220"/>
        <source>СМС-шлюз</source>
        <translation>SMS gateway</translation>
    </message>
    <message>
        <location filename="../../staff.py" line="221"/>
        <source>Реестр доступа к картам</source>
        <translation>Record access registry</translation>
    </message>
    <message>
        <location filename="../../staff.py" line="221"/>
        <source>Сервис ЭМК</source>
        <translation>EMR service</translation>
    </message>
    <message>
        <location filename="../../staff.py" line="222"/>
        <source>Хранилище киоска</source>
        <translation>Kiosk store</translation>
    </message>
    <message>
        <location filename="../../staff.py" line="222"/>
        <source>Принтер</source>
        <translation>Printer</translation>
    </message>
    <message>
        <location filename="../../staff.py" line="230"/>
        <source>работает</source>
        <translation>working</translation>
    </message>
    <message>
        <location filename="../../staff.py" line="230"/>
        <source>НЕ ОТВЕЧАЕТ</source>
        <translation>NOT RESPONDING</translation>
    </message>
    <message>
        <location filename="../../staff.py" line="233"/>
        <source>Последняя синхронизация: %1</source>
        <translation>Last sync: %1</translation>
    </message>
    <message>
        <location filename="../../staff.py" line="234"/>
        <source>Синхронизации ещё не было</source>
        <translation>No sync yet</translation>
    </message>
    <message>
        <location filename="../../staff.py" line="235"/>
        <source>Обращений ждут отправки: %1</source>
        <translation>Support requests waiting to be sent: %1</translation>
    </message>
    <message>
        <location filename="../../staff.py" line="245"/>
        <source>Синхронизация идёт…</source>
        <translation>Sync running…</translation>
    </message>
    <message>
        <location filename="../../staff.py" line="257"/>
        <source>Синхронизация уже идёт в другом процессе.</source>
        <translation>A sync is already running in another process.</translation>
    </message>
    <message>
        <location filename="../../staff.py" line="259"/>
        <source>Синхронизация остановилась: сервис ЭМК недоступен.</source>
        <translation>The sync stopped: the EMR service is unavailable.</translation>
    </message>
    <message>
        <location filename="../../staff.py" line="261"/>
        <source>Готово: пакетов %1, документов %2, отклонено %3.</source>
        <translation>Done: %1 batches, %2 documents, %3 rejected.</translation>
    </message>
    <message>
        <location filename="../../staff.py" line="281"/>
        <source>Этот пользователь на киоске не входил: блокировки нет.</source>
        <translation>This user has not signed in on this kiosk: no block.</translation>
    </message>
    <message>
        <location filename="../../staff.py" line="283"/>
        <source>Вход заблокирован до %1 (время московское). Снять блокировку раньше нельзя.</source>
        <translation>Sign-in is blocked until %1 (Moscow time). It cannot be lifted earlier.</translation>
    </message>
    <message>
        <location filename="../../staff.py" line="286"/>
        <source>Не заблокирован. Неверных кодов подряд: %1.</source>
        <translation>Not blocked. Wrong codes in a row: %1.</translation>
    </message>
</context>
<context>
    <name>SupportScreen</name>
    <message>
        <location filename="../../support.py" line="56"/>
        <source>Назад</source>
        <translation>Back</translation>
    </message>
    <message>
        <location filename="../../support.py" line="58"/>
        <source>Обращение в поддержку</source>
        <translation>Contact support</translation>
    </message>
    <message>
        <location filename="../../support.py" line="67"/>
        <source>О чём ваш вопрос?</source>
        <translation>What is your question about?</translation>
    </message>
    <message>
        <location filename="../../support.py" line="69"/>
        <source>Вопросы о том, что написано в медицинских документах, передаются в Департамент здравоохранения (ДЗМ), остальные — в Департамент информационных технологий (ДИТ).</source>
        <translation>Questions about what medical documents say go to the Department of Health (DZM), all others to the Department of IT (DIT).</translation>
    </message>
    <message>
        <location filename="../../support.py" line="74"/>
        <source>Содержание документов (ДЗМ)</source>
        <translation>What documents say (DZM)</translation>
    </message>
    <message>
        <location filename="../../support.py" line="75"/>
        <source>Доступ к кабинету (ДИТ)</source>
        <translation>Access to the account (DIT)</translation>
    </message>
    <message>
        <location filename="../../support.py" line="76"/>
        <source>Сбой киоска или портала (ДИТ)</source>
        <translation>Kiosk or portal failure (DIT)</translation>
    </message>
    <message>
        <location filename="../../support.py" line="77"/>
        <source>Работа киоска (ДИТ)</source>
        <translation>How the kiosk works (DIT)</translation>
    </message>
    <message>
        <location filename="../../support.py" line="90"/>
        <source>Текст обращения</source>
        <translation>Your question</translation>
    </message>
    <message>
        <location filename="../../support.py" line="91"/>
        <source>Опишите вопрос</source>
        <translation>Describe your question</translation>
    </message>
    <message>
        <location filename="../../support.py" line="98"/>
        <location filename="../../support.py" line="101"/>
        <source>Телефон или e-mail для ответа</source>
        <translation>Phone or e-mail for the reply</translation>
    </message>
    <message>
        <location filename="../../support.py" line="109"/>
        <source>Отправить</source>
        <translation>Send</translation>
    </message>
    <message>
        <location filename="../../support.py" line="133"/>
        <source>Задать вопрос можно и на портале mos.ru: наведите камеру телефона на QR-код.</source>
        <translation>You can also ask on the mos.ru portal: point your phone camera at the QR code.</translation>
    </message>
    <message>
        <location filename="../../support.py" line="139"/>
        <source>Распечатать квитанцию</source>
        <translation>Print a receipt</translation>
    </message>
    <message>
        <location filename="../../support.py" line="140"/>
        <source>Квитанция напечатана: заберите её из принтера.</source>
        <translation>The receipt is printed: please take it from the printer.</translation>
    </message>
    <message>
        <location filename="../../support.py" line="141"/>
        <source>Квитанцию напечатать не удалось. Запишите номер обращения с экрана.</source>
        <translation>The receipt could not be printed. Please write down the request number from the screen.</translation>
    </message>
    <message>
        <location filename="../../support.py" line="144"/>
        <source>Готово</source>
        <translation>Done</translation>
    </message>
    <message>
        <location filename="../../support.py" line="184"/>
        <source>в Департамент здравоохранения (ДЗМ)</source>
        <translation>to the Department of Health (DZM)</translation>
    </message>
    <message>
        <location filename="../../support.py" line="185"/>
        <source>в Департамент информационных технологий (ДИТ)</source>
        <translation>to the Department of IT (DIT)</translation>
    </message>
    <message>
        <location filename="../../support.py" line="187"/>
        <source>Обращение № %1 принято и будет передано %2. Ответ придёт на указанный контакт.</source>
        <translation>Request no. %1 is accepted and will be passed %2. The reply will come to the contact you gave.</translation>
    </message>
    <message>
        <location filename="../../support.py" line="127"/>
        <source>Запишите или сфотографируйте номер обращения: по нему вам ответят в поддержке.</source>
        <translation>Write down or take a photo of the request number: support will answer by it.</translation>
    </message>
    <message>
        <location filename="../../support.py" line="192"/>
        <source>Номер обращения: %1</source>
        <translation>Request number: %1</translation>
    </message>
</context>
<context>
    <name>Texts</name>
    <message>
        <location filename="../../texts.py" line="47"/>
        <source>Протокол осмотра</source>
        <translation>Examination record</translation>
    </message>
    <message>
        <location filename="../../texts.py" line="48"/>
        <source>Выписной эпикриз</source>
        <translation>Discharge summary</translation>
    </message>
    <message>
        <location filename="../../texts.py" line="49"/>
        <source>Лабораторное исследование</source>
        <translation>Laboratory result</translation>
    </message>
    <message>
        <location filename="../../texts.py" line="50"/>
        <source>Инструментальное исследование</source>
        <translation>Instrumental study</translation>
    </message>
    <message>
        <location filename="../../texts.py" line="21"/>
        <source>Мужской</source>
        <translation>Male</translation>
    </message>
    <message>
        <location filename="../../texts.py" line="22"/>
        <source>Женский</source>
        <translation>Female</translation>
    </message>
    <message>
        <location filename="../../texts.py" line="23"/>
        <source>не указан</source>
        <translation>not stated</translation>
    </message>
    <message>
        <location filename="../../texts.py" line="30"/>
        <source>Ваша карта</source>
        <translation>Your record</translation>
    </message>
    <message>
        <location filename="../../texts.py" line="31"/>
        <source>Карта ребёнка</source>
        <translation>Child&apos;s record</translation>
    </message>
    <message>
        <location filename="../../texts.py" line="36"/>
        <source>Протоколы осмотров</source>
        <translation>Examinations</translation>
    </message>
    <message>
        <location filename="../../texts.py" line="37"/>
        <source>Выписные эпикризы</source>
        <translation>Discharge summaries</translation>
    </message>
    <message>
        <location filename="../../texts.py" line="38"/>
        <source>Лабораторные исследования</source>
        <translation>Laboratory results</translation>
    </message>
    <message>
        <location filename="../../texts.py" line="39"/>
        <source>Инструментальные исследования</source>
        <translation>Instrumental studies</translation>
    </message>
    <message>
        <location filename="../../texts.py" line="67"/>
        <source>Возраст: %1 %2</source>
        <translation>Age: %1 %2</translation>
    </message>
</context>
<context>
    <name>TrendPanel</name>
    <message>
        <location filename="../../lab_trend.py" line="490"/>
        <source>Предыдущий показатель</source>
        <translation>Previous test</translation>
    </message>
    <message>
        <location filename="../../lab_trend.py" line="491"/>
        <source>Следующий показатель</source>
        <translation>Next test</translation>
    </message>
    <message>
        <location filename="../../lab_trend.py" line="504"/>
        <source>Другой показатель — кнопками «‹» «›» или нажатием на его строку в таблице.</source>
        <translation>For another test, use «‹» «›» or tap its row in the table.</translation>
    </message>
    <message>
        <location filename="../../lab_trend.py" line="563"/>
        <source>Динамика: %1</source>
        <translation>Trend: %1</translation>
    </message>
    <message>
        <location filename="../../lab_trend.py" line="564"/>
        <source>%1 из %2</source>
        <translation>%1 of %2</translation>
    </message>
</context>
<context>
    <name>WelcomeScreen</name>
    <message>
        <location filename="../../welcome.py" line="50"/>
        <source>Личный кабинет пациента</source>
        <translation>Patient&apos;s personal account</translation>
    </message>
    <message>
        <location filename="../../welcome.py" line="52"/>
        <source>Посмотрите и распечатайте свои медицинские документы и документы своих детей.</source>
        <translation>View and print your medical documents and your children&apos;s.</translation>
    </message>
    <message>
        <location filename="../../welcome.py" line="55"/>
        <source>Как это работает:
1. Введите логин и пароль от mos.ru.
2. Введите код из СМС, которое придёт на ваш телефон.
3. Выберите медицинскую карту и откройте нужный документ.
4. Документ можно распечатать здесь же.</source>
        <translation>How it works:
1. Enter your mos.ru login and password.
2. Enter the code from the SMS sent to your phone.
3. Choose a medical record and open a document.
4. You can print the document right here.</translation>
    </message>
    <message>
        <location filename="../../welcome.py" line="62"/>
        <source>Это бесплатно. Новое согласие не нужно: вы дали его при регистрации на портале.</source>
        <translation>It is free. No new consent is needed: you gave it when you registered on the portal.</translation>
    </message>
    <message>
        <location filename="../../welcome.py" line="66"/>
        <source>Войти</source>
        <translation>Sign in</translation>
    </message>
    <message>
        <location filename="../../welcome.py" line="70"/>
        <source>Войти по QR-коду с телефона</source>
        <translation>Sign in with a QR code from your phone</translation>
    </message>
    <message>
        <location filename="../../welcome.py" line="77"/>
        <source>Запись к врачу</source>
        <translation>Book a doctor</translation>
    </message>
    <message>
        <location filename="../../welcome.py" line="79"/>
        <source>Поддержка</source>
        <translation>Support</translation>
    </message>
    <message>
        <location filename="../../welcome.py" line="137"/>
        <source>Крупный текст</source>
        <translation>Large text</translation>
    </message>
    <message>
        <location filename="../../welcome.py" line="87"/>
        <source>Высокий контраст</source>
        <translation>High contrast</translation>
    </message>
    <message>
        <location filename="../../welcome.py" line="137"/>
        <source>Крупный текст: 150 %</source>
        <translation>Large text: 150 %</translation>
    </message>
    <message>
        <location filename="../../welcome.py" line="138"/>
        <source>Крупный текст: 200 %</source>
        <translation>Large text: 200 %</translation>
    </message>
</context>
</TS>
