//! Every text the widget shows, in Kazakh, Russian and English.
//!
//! Each locale is one exhaustive `match` over [`Msg`]: a message added without a translation in
//! every language does not compile, so no customer ever sees a blank or a key. Texts with values
//! carry `{name}` placeholders filled by [`tf`]; counts go through the CLDR plural rules of
//! `checkout_protocol::Locale`.

use checkout_protocol::locale::Plural;
use checkout_protocol::{Locale, PhoneError};

/// A text of the widget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Msg {
    /// Skeleton's accessible label while the session loads.
    Loading,
    /// The session could not be loaded.
    LoadFailed,
    /// The session does not exist (expired link).
    SessionNotFound,
    /// "Payment to {merchant}".
    PayTo,
    /// Legend of the operator radio group.
    OperatorLegend,
    /// One-line hint: numbers move between operators.
    OperatorPortabilityHint,
    /// No operator chosen.
    OperatorRequired,
    /// Label of the phone field.
    PhoneLabel,
    /// Hint under the phone field.
    PhoneHint,
    /// Phone: nothing typed.
    PhoneEmpty,
    /// Phone: too few digits.
    PhoneTooShort,
    /// Phone: too many digits.
    PhoneTooLong,
    /// Phone: a Russian number.
    PhoneRussian,
    /// Phone: not a Kazakhstan mobile.
    PhoneNotKzMobile,
    /// Phone: another country.
    PhoneForeign,
    /// Phone: letters or symbols.
    PhoneInvalidCharacter,
    /// The button that starts the payment.
    GetCode,
    /// The button while the request is in flight.
    Sending,
    /// The button of the first screen drawn by the backend, until the widget runs.
    GettingReady,
    /// Starting the payment failed.
    StartFailed,
    /// Network failure.
    NetworkError,
    /// OTP screen title.
    OtpTitle,
    /// "We sent a code to {phone}".
    OtpSentTo,
    /// Label of the code field.
    OtpLabel,
    /// The confirm button.
    OtpSubmit,
    /// The code was wrong.
    OtpWrong,
    /// The code expired; a new one can be asked for.
    OtpExpired,
    /// The code expired and no new ones are left.
    OtpExpiredNoneLeft,
    /// Before the countdown.
    OtpValidFor,
    /// The code is not 4–8 digits.
    OtpShape,
    /// The resend button.
    Resend,
    /// A new code was sent.
    ResendSent,
    /// "A new code can be requested in {seconds} s".
    ResendTooEarly,
    /// Every try of this code is used; a new one can be asked for.
    OtpTriesUsed,
    /// Every try of this code is used and no new code is left.
    OtpTriesUsedNoneLeft,
    /// Too many requests from this address: "try again in {minutes} min".
    TooManyRequests,
    /// Screen reader: one minute left.
    AnnounceMinute,
    /// Screen reader: the code expired.
    AnnounceExpired,
    /// Waiting for the operator.
    Waiting,
    /// Checking the code.
    CheckingCode,
    /// Paid.
    Success,
    /// "{amount} paid from {phone}".
    SuccessDetail,
    /// Declined.
    Declined,
    /// Declined: general.
    DeclineGeneral,
    /// Declined: not enough money on the balance.
    DeclineFunds,
    /// Could not be processed.
    Failed,
    /// Refunded.
    Refunded,
    /// Start a new attempt.
    TryAgain,
    /// Live updates lost; reconnecting.
    Reconnecting,
    /// The Payment Page button.
    PpPay,
    /// Under the Payment Page button.
    PpHint,
    /// The Payment Page script did not load.
    PpLoadFailed,
    /// While the Payment Page is open.
    PpWaiting,
    /// After the Payment Page closed, until the backend knows whether it was paid.
    PpChecking,
    /// Cash-in title.
    CashTitle,
    /// Cash-in step 1.
    CashStepFind,
    /// Cash-in step 2: "{merchant}".
    CashStepService,
    /// Cash-in step 3.
    CashStepAccount,
    /// Cash-in step 4: "{min}", "{max}".
    CashStepInsert,
    /// Cash-in step 5.
    CashStepReceipt,
    /// Copy button.
    Copy,
    /// After copying.
    Copied,
    /// The browser refused to copy the account number: the customer selects it instead.
    CopyFailed,
    /// Waiting for a deposit.
    CashWaiting,
    /// A deposit arrived: "{amount}".
    CashCredited,
    /// "Left to pay: {amount}" after a deposit short of the total.
    CashRemaining,
    /// The deposits reached the total.
    CashPaidInFull,
    /// Payout title.
    PayoutTitle,
    /// Payout: to the confirmation.
    Continue,
    /// Payout confirmation: "{amount}", "{phone}".
    PayoutConfirm,
    /// Payout: send.
    PayoutSend,
    /// Back to the form.
    Back,
    /// While the payout runs.
    PayoutWaiting,
    /// Payout succeeded.
    PayoutDone,
    /// Payout detail: "{amount}", "{phone}".
    PayoutDoneDetail,
    /// Payout declined.
    PayoutDeclined,
    /// Header in payout mode: "Payout from {merchant}".
    PayoutFrom,
    /// Hint under the phone field in payout mode (no SMS is sent).
    PayoutPhoneHint,
    /// Paid without a known phone (the Payment Page): "{amount} paid".
    SuccessDetailNoPhone,
    /// Why a failed payment failed, and that nothing was taken.
    FailedDetail,
    /// The code field filled itself from the SMS (WebOTP).
    OtpAutofilled,
    /// A request this form sent was refused as malformed: the form and the shop's server do not match.
    ErrRequestRefused,
    /// The payment the form asked about is not known to the backend.
    ErrPaymentNotFound,
    /// The session does not offer this way of paying.
    ErrMethodNotAllowed,
    /// The session is paid already.
    ErrAlreadyPaid,
    /// Another payment of the session is still under way.
    ErrPaymentInProgress,
    /// A code was sent, but the payment no longer waits for one.
    ErrNotAwaitingOtp,
    /// The code for this prompt was sent already (a copy, or a second tab).
    ErrOtpAlreadySubmitted,
    /// A new code was asked for too early, and the backend did not say how long to wait.
    ErrResendNotYet,
    /// A new code is being asked for already.
    ErrResendInProgress,
    /// The payment platform refused the request.
    ErrGateRejected,
    /// The payment platform did not answer, or its answer could not be read.
    ErrPlatformUnavailable,
    /// A code of the shop's own side (its administration, callbacks, terminals) reached the customer: the shop's set-up is wrong.
    ErrShopSetup,
    /// The backend failed on its side.
    ErrInternal,
    /// An answer that is not one of the contract's shapes (another version, a proxy's page).
    ErrUnexpectedAnswer,
    /// Sending a code failed for a reason this widget does not know (a newer backend's code).
    CodeFailed,
    /// Asking for a new code failed for a reason this widget does not know.
    ResendFailed,
    /// Sending a payout failed for a reason this widget does not know.
    PayoutFailed,
}

impl Msg {
    /// Every message, so tests can check each locale has each one.
    pub const ALL: [Msg; 98] = [
        Msg::Loading,
        Msg::LoadFailed,
        Msg::SessionNotFound,
        Msg::PayTo,
        Msg::OperatorLegend,
        Msg::OperatorPortabilityHint,
        Msg::OperatorRequired,
        Msg::PhoneLabel,
        Msg::PhoneHint,
        Msg::PhoneEmpty,
        Msg::PhoneTooShort,
        Msg::PhoneTooLong,
        Msg::PhoneRussian,
        Msg::PhoneNotKzMobile,
        Msg::PhoneForeign,
        Msg::PhoneInvalidCharacter,
        Msg::GetCode,
        Msg::Sending,
        Msg::GettingReady,
        Msg::StartFailed,
        Msg::NetworkError,
        Msg::OtpTitle,
        Msg::OtpSentTo,
        Msg::OtpLabel,
        Msg::OtpSubmit,
        Msg::OtpWrong,
        Msg::OtpExpired,
        Msg::OtpExpiredNoneLeft,
        Msg::OtpValidFor,
        Msg::OtpShape,
        Msg::Resend,
        Msg::ResendSent,
        Msg::ResendTooEarly,
        Msg::OtpTriesUsed,
        Msg::OtpTriesUsedNoneLeft,
        Msg::TooManyRequests,
        Msg::AnnounceMinute,
        Msg::AnnounceExpired,
        Msg::Waiting,
        Msg::CheckingCode,
        Msg::Success,
        Msg::SuccessDetail,
        Msg::Declined,
        Msg::DeclineGeneral,
        Msg::DeclineFunds,
        Msg::Failed,
        Msg::Refunded,
        Msg::TryAgain,
        Msg::Reconnecting,
        Msg::PpPay,
        Msg::PpHint,
        Msg::PpLoadFailed,
        Msg::PpWaiting,
        Msg::PpChecking,
        Msg::CashTitle,
        Msg::CashStepFind,
        Msg::CashStepService,
        Msg::CashStepAccount,
        Msg::CashStepInsert,
        Msg::CashStepReceipt,
        Msg::Copy,
        Msg::Copied,
        Msg::CopyFailed,
        Msg::CashWaiting,
        Msg::CashCredited,
        Msg::CashRemaining,
        Msg::CashPaidInFull,
        Msg::PayoutTitle,
        Msg::Continue,
        Msg::PayoutConfirm,
        Msg::PayoutSend,
        Msg::Back,
        Msg::PayoutWaiting,
        Msg::PayoutDone,
        Msg::PayoutDoneDetail,
        Msg::PayoutDeclined,
        Msg::PayoutFrom,
        Msg::PayoutPhoneHint,
        Msg::SuccessDetailNoPhone,
        Msg::FailedDetail,
        Msg::OtpAutofilled,
        Msg::ErrRequestRefused,
        Msg::ErrPaymentNotFound,
        Msg::ErrMethodNotAllowed,
        Msg::ErrAlreadyPaid,
        Msg::ErrPaymentInProgress,
        Msg::ErrNotAwaitingOtp,
        Msg::ErrOtpAlreadySubmitted,
        Msg::ErrResendNotYet,
        Msg::ErrResendInProgress,
        Msg::ErrGateRejected,
        Msg::ErrPlatformUnavailable,
        Msg::ErrShopSetup,
        Msg::ErrInternal,
        Msg::ErrUnexpectedAnswer,
        Msg::CodeFailed,
        Msg::ResendFailed,
        Msg::PayoutFailed,
    ];
}

/// A text the widget shows, kept as what it says and put into words where it is drawn, in the
/// widget's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Text {
    /// One message.
    Msg(Msg),
    /// A message and the values of its `{name}` placeholders.
    Filled(Msg, Vec<(&'static str, String)>),
    /// "N seconds left", plural-correct (a screen reader's countdown milestone).
    SecondsLeft(u64),
}

impl Text {
    /// The words in `locale`.
    pub fn words(&self, locale: Locale) -> String {
        match self {
            Text::Msg(msg) => t(locale, *msg).to_owned(),
            Text::Filled(msg, values) => {
                let values: Vec<(&str, &str)> = values.iter().map(|(name, value)| (*name, value.as_str())).collect();
                tf(locale, *msg, &values)
            }
            Text::SecondsLeft(n) => seconds_left(locale, *n),
        }
    }
}

/// What `said` says, in `locale`, as a view's text: one closure type for every text the widget
/// keeps in a signal, so the view code for it is built once, not once per place.
pub(crate) fn words_of(locale: Locale, said: leptos::prelude::RwSignal<Option<Text>>) -> impl Fn() -> Option<String> + Copy {
    use leptos::prelude::With;
    move || said.with(|text| text.as_ref().map(|text| text.words(locale)))
}

impl From<Msg> for Text {
    fn from(msg: Msg) -> Text {
        Text::Msg(msg)
    }
}

/// The message for a phone problem.
pub fn phone_message(error: &PhoneError) -> Msg {
    match error {
        PhoneError::Empty => Msg::PhoneEmpty,
        PhoneError::InvalidCharacter(_) => Msg::PhoneInvalidCharacter,
        PhoneError::TooShort => Msg::PhoneTooShort,
        PhoneError::TooLong => Msg::PhoneTooLong,
        PhoneError::Russian => Msg::PhoneRussian,
        PhoneError::NotKazakhMobile => Msg::PhoneNotKzMobile,
        PhoneError::Foreign => Msg::PhoneForeign,
    }
}

/// The text of `msg` in `locale`.
pub fn t(locale: Locale, msg: Msg) -> &'static str {
    match locale {
        Locale::Kk => kk(msg),
        Locale::Ru => ru(msg),
        Locale::En => en(msg),
    }
}

/// The text of `msg` with its `{name}` placeholders filled.
pub fn tf(locale: Locale, msg: Msg, values: &[(&str, &str)]) -> String {
    values.iter().fold(t(locale, msg).to_owned(), |text, (name, value)| text.replace(&format!("{{{name}}}"), value))
}

/// "3 new codes left", plural-correct.
pub fn resends_left(locale: Locale, n: u8) -> String {
    let n = u64::from(n);
    match (locale, locale.plural(n)) {
        (Locale::Kk, _) => format!("тағы {n} жаңа код"),
        // "Codes", not "attempts": a wrong code does not use one up.
        (Locale::Ru, Plural::One) => format!("остался {n} новый код"),
        (Locale::Ru, Plural::Few) => format!("осталось {n} новых кода"),
        (Locale::Ru, _) => format!("осталось {n} новых кодов"),
        (Locale::En, Plural::One) => "1 new code left".to_owned(),
        (Locale::En, _) => format!("{n} new codes left"),
    }
}

/// "10 seconds left", plural-correct, for screen-reader milestones.
pub fn seconds_left(locale: Locale, n: u64) -> String {
    match (locale, locale.plural(n)) {
        (Locale::Kk, _) => format!("{n} секунд қалды"),
        (Locale::Ru, Plural::One) => format!("Осталась {n} секунда"),
        (Locale::Ru, Plural::Few) => format!("Осталось {n} секунды"),
        (Locale::Ru, _) => format!("Осталось {n} секунд"),
        (Locale::En, Plural::One) => "1 second left".to_owned(),
        (Locale::En, _) => format!("{n} seconds left"),
    }
}

fn kk(msg: Msg) -> &'static str {
    match msg {
        Msg::Loading => "Төлем жүктелуде…",
        Msg::LoadFailed => "Төлем бетін жүктеу мүмкін болмады.",
        Msg::SessionNotFound => "Бұл төлем сілтемесінің мерзімі өтті. Дүкенге оралып, қайта бастаңыз.",
        Msg::PayTo => "Алушы: {merchant}",
        Msg::OperatorLegend => "Ұялы байланыс операторы",
        Msg::OperatorPortabilityHint => "Нөмір басқа операторға ауысқан болса, өз операторыңызды таңдаңыз.",
        Msg::OperatorRequired => "Ұялы байланыс операторын таңдаңыз.",
        Msg::PhoneLabel => "Телефон нөмірі",
        Msg::PhoneHint => "Бұл нөмірге растау коды бар SMS жібереміз.",
        Msg::PhoneEmpty => "Телефон нөмірін енгізіңіз.",
        Msg::PhoneTooShort => "Нөмір тым қысқа: +7-ден кейін 10 цифр болуы керек.",
        Msg::PhoneTooLong => "Нөмір тым ұзын: +7-ден кейін 10 цифр болуы керек.",
        Msg::PhoneRussian => "Бұл Ресей нөмірі. Қазақстандық ұялы нөмірді енгізіңіз (+7 70x, +7 747, +7 77x).",
        Msg::PhoneNotKzMobile => "Бұл Қазақстанның ұялы нөмірі емес (+7 70x, +7 747 немесе +7 77x).",
        Msg::PhoneForeign => "Нөмір +7-ден басталуы керек.",
        Msg::PhoneInvalidCharacter => "Нөмірде тек цифрлар, бос орын, жақша мен сызықша болуы мүмкін.",
        Msg::GetCode => "Код алу",
        Msg::Sending => "Жіберілуде…",
        Msg::GettingReady => "Дайындалуда…",
        Msg::StartFailed => "Төлемді бастау мүмкін болмады. Қайталап көріңіз.",
        Msg::NetworkError => "Желі қатесі. Байланысты тексеріп, қайталаңыз.",
        Msg::OtpTitle => "SMS-тегі кодты енгізіңіз",
        Msg::OtpSentTo => "Код {phone} нөміріне жіберілді",
        Msg::OtpLabel => "SMS коды",
        Msg::OtpSubmit => "Растау",
        Msg::OtpWrong => "Код қате. SMS-ті тексеріп, қайта енгізіңіз.",
        Msg::OtpExpired => "Кодтың мерзімі өтті. Жаңа код сұраңыз.",
        Msg::OtpExpiredNoneLeft => "Кодтың мерзімі өтті, жаңа кодтар қалмады. Төлемді қайта бастаңыз.",
        Msg::OtpValidFor => "Код жарамды:",
        Msg::OtpShape => "Код 4–8 цифрдан тұрады.",
        Msg::Resend => "Жаңа код жіберу",
        Msg::ResendSent => "Жаңа код жіберілді.",
        Msg::ResendTooEarly => "Жаңа кодты {seconds} секундтан кейін сұрай аласыз.",
        Msg::OtpTriesUsed => "Бұл код тым көп рет қате енгізілді. Жаңа код сұраңыз.",
        Msg::OtpTriesUsedNoneLeft => "Бұл код тым көп рет қате енгізілді, ал жаңа кодтар қалмады.",
        Msg::TooManyRequests => "Әрекеттер тым көп. {minutes} минуттан кейін қайталап көріңіз.",
        Msg::AnnounceMinute => "1 минут қалды",
        Msg::AnnounceExpired => "Кодтың мерзімі өтті",
        Msg::Waiting => "Төлем операторда расталуда…",
        Msg::CheckingCode => "Код тексерілуде…",
        Msg::Success => "Төлем өтті",
        Msg::SuccessDetail => "{phone} нөмірінен {amount} төленді",
        Msg::Declined => "Төлем қабылданбады",
        Msg::DeclineGeneral => "Оператор төлемді қабылдамады. Қайталап көріңіз немесе басқа төлем тәсілін таңдаңыз.",
        Msg::DeclineFunds => "Телефон балансында қаражат жеткіліксіз. Балансты толтырып, қайталаңыз.",
        Msg::Failed => "Төлем өтпеді",
        Msg::Refunded => "Бұл төлем қайтарылды.",
        Msg::TryAgain => "Қайталау",
        Msg::Reconnecting => "Байланыс үзілді. Қайта қосылуда…",
        Msg::PpPay => "Төлем бетінде төлеу",
        Msg::PpHint => "Төлемді операторыңыздың кодымен төлем бетінде растайсыз.",
        Msg::PpLoadFailed => "Төлем бетін ашу мүмкін болмады. Байланысты тексеріп, қайталаңыз.",
        Msg::PpWaiting => "Төлем бетінде төлемді аяқтаңыз…",
        Msg::PpChecking => "Төлемнің өткенін тексеріп жатырмыз…",
        Msg::CashTitle => "Kassa24 терминалында қолма-қол төлеу",
        Msg::CashStepFind => "Kassa24 терминалын табыңыз.",
        Msg::CashStepService => "Қызметтер тізімінен {merchant} таңдаңыз.",
        Msg::CashStepAccount => "Шот нөмірін енгізіңіз:",
        Msg::CashStepInsert => "{min} бастап {max} дейін қолма-қол салыңыз.",
        Msg::CashStepReceipt => "Түбіртекті сақтаңыз. Төлем бірнеше минутта осында көрінеді.",
        Msg::Copy => "Көшіру",
        Msg::Copied => "Көшірілді",
        Msg::CopyFailed => "Көшіру мүмкін болмады: нөмірді белгілеп алыңыз",
        Msg::CashWaiting => "Терминалдағы төлемді күтудеміз…",
        Msg::CashCredited => "Есепке алынды: {amount}",
        Msg::CashRemaining => "Төлеуге қалды: {amount}.",
        Msg::CashPaidInFull => "Толық төленді.",
        Msg::PayoutTitle => "Ақшаны телефонға алу",
        Msg::Continue => "Жалғастыру",
        Msg::PayoutConfirm => "{phone} нөміріне {amount} жіберілсін бе?",
        Msg::PayoutSend => "Жіберу",
        Msg::Back => "Артқа",
        Msg::PayoutWaiting => "Ақша жіберілуде…",
        Msg::PayoutDone => "Ақша жіберілді",
        Msg::PayoutDoneDetail => "{phone} нөміріне {amount} жіберілді",
        Msg::PayoutDeclined => "Ақша жіберілмеді",
        Msg::PayoutFrom => "Төлеуші: {merchant}",
        Msg::PayoutPhoneHint => "Ақша осы нөмірдің ұялы байланыс шотына түседі.",
        Msg::SuccessDetailNoPhone => "{amount} төленді",
        Msg::FailedDetail => "Төлем жүйесі бұл төлемді қабылдамады, ақша алынған жоқ. Қайталап көріңіз немесе басқа тәсілді таңдаңыз.",
        Msg::OtpAutofilled => "Код SMS-тен енгізілді.",
        Msg::ErrRequestRefused => "Төлем формасы дүкен серверіне сәйкес келмейді. Бетті қайта жүктеңіз.",
        Msg::ErrPaymentNotFound => "Төлем табылмады. Қайтадан бастаңыз.",
        Msg::ErrMethodNotAllowed => "Бұл тапсырыс үшін бұл төлем тәсілі қолжетімсіз.",
        Msg::ErrAlreadyPaid => "Бұл тапсырыс төленіп қойған.",
        Msg::ErrPaymentInProgress => "Бұл тапсырыстың төлемі жүріп жатыр. Сәл күтіп, қайталаңыз.",
        Msg::ErrNotAwaitingOtp => "Төлем енді кодты күтпейді. Нәтижесін күтіңіз.",
        Msg::ErrOtpAlreadySubmitted => "Бұл код жіберілді, төлем тексерілуде.",
        Msg::ErrResendNotYet => "Жаңа кодты сәл кейінірек сұрауға болады.",
        Msg::ErrResendInProgress => "Жаңа код жолда.",
        Msg::ErrGateRejected => "Төлем жүйесі бұл төлемді қабылдамады. Қайталаңыз немесе басқа төлем тәсілін таңдаңыз.",
        Msg::ErrPlatformUnavailable => "Төлем жүйесі жауап бермей тұр. Бір минуттан кейін қайталаңыз.",
        Msg::ErrShopSetup => "Дүкеннің төлем баптауларында қате бар. Дүкенге хабарласыңыз.",
        Msg::ErrInternal => "Дүкен жағында қате шықты. Қайталап көріңіз.",
        Msg::ErrUnexpectedAnswer => "Дүкен серверінің жауабын оқу мүмкін болмады. Бетті қайта жүктеңіз.",
        Msg::CodeFailed => "Кодты жіберу мүмкін болмады. Қайталап көріңіз.",
        Msg::ResendFailed => "Жаңа кодты сұрау мүмкін болмады. Қайталап көріңіз.",
        Msg::PayoutFailed => "Ақшаны жіберу мүмкін болмады. Қайталап көріңіз.",
    }
}

fn ru(msg: Msg) -> &'static str {
    match msg {
        Msg::Loading => "Загружаем оплату…",
        Msg::LoadFailed => "Не удалось загрузить оплату.",
        Msg::SessionNotFound => "Срок действия ссылки на оплату истёк. Вернитесь в магазин и начните заново.",
        Msg::PayTo => "Получатель: {merchant}",
        Msg::OperatorLegend => "Мобильный оператор",
        Msg::OperatorPortabilityHint => "Если вы переносили номер к другому оператору, выберите своего текущего оператора.",
        Msg::OperatorRequired => "Выберите мобильного оператора.",
        Msg::PhoneLabel => "Номер телефона",
        Msg::PhoneHint => "Мы отправим SMS с кодом подтверждения на этот номер.",
        Msg::PhoneEmpty => "Введите номер телефона.",
        Msg::PhoneTooShort => "Номер слишком короткий: после +7 должно быть 10 цифр.",
        Msg::PhoneTooLong => "Номер слишком длинный: после +7 должно быть 10 цифр.",
        Msg::PhoneRussian => "Это российский номер. Введите казахстанский мобильный номер (+7 70x, +7 747, +7 77x).",
        Msg::PhoneNotKzMobile => "Это не казахстанский мобильный номер (+7 70x, +7 747 или +7 77x).",
        Msg::PhoneForeign => "Номер должен начинаться с +7.",
        Msg::PhoneInvalidCharacter => "В номере могут быть только цифры, пробелы, скобки и дефисы.",
        Msg::GetCode => "Получить код",
        Msg::Sending => "Отправляем…",
        Msg::GettingReady => "Подготавливаем…",
        Msg::StartFailed => "Не удалось начать оплату. Попробуйте ещё раз.",
        Msg::NetworkError => "Ошибка сети. Проверьте соединение и попробуйте снова.",
        Msg::OtpTitle => "Введите код из SMS",
        Msg::OtpSentTo => "Код отправлен на номер {phone}",
        Msg::OtpLabel => "Код из SMS",
        Msg::OtpSubmit => "Подтвердить",
        Msg::OtpWrong => "Неверный код. Проверьте SMS и введите код ещё раз.",
        Msg::OtpExpired => "Срок действия кода истёк. Запросите новый код.",
        Msg::OtpExpiredNoneLeft => "Срок действия кода истёк, а новые коды закончились. Начните оплату заново.",
        Msg::OtpValidFor => "Код действует:",
        Msg::OtpShape => "Код состоит из 4–8 цифр.",
        Msg::Resend => "Отправить новый код",
        Msg::ResendSent => "Новый код отправлен.",
        Msg::ResendTooEarly => "Новый код можно запросить через {seconds} с.",
        Msg::OtpTriesUsed => "Код введён неверно слишком много раз. Запросите новый код.",
        Msg::OtpTriesUsedNoneLeft => "Код введён неверно слишком много раз, а новых кодов не осталось.",
        Msg::TooManyRequests => "Слишком много попыток. Повторите через {minutes} мин.",
        Msg::AnnounceMinute => "Осталась 1 минута",
        Msg::AnnounceExpired => "Срок действия кода истёк",
        Msg::Waiting => "Подтверждаем оплату у оператора…",
        Msg::CheckingCode => "Проверяем код…",
        Msg::Success => "Оплата прошла",
        Msg::SuccessDetail => "{amount} списано с номера {phone}",
        Msg::Declined => "Оплата отклонена",
        Msg::DeclineGeneral => "Оператор отклонил платёж. Попробуйте ещё раз или выберите другой способ оплаты.",
        Msg::DeclineFunds => "На балансе телефона недостаточно средств. Пополните баланс и попробуйте снова.",
        Msg::Failed => "Оплата не прошла",
        Msg::Refunded => "Этот платёж возвращён.",
        Msg::TryAgain => "Попробовать снова",
        Msg::Reconnecting => "Соединение потеряно. Переподключаемся…",
        Msg::PpPay => "Оплатить на платёжной странице",
        Msg::PpHint => "Вы подтвердите оплату кодом от оператора на платёжной странице.",
        Msg::PpLoadFailed => "Не удалось открыть платёжную страницу. Проверьте соединение и попробуйте снова.",
        Msg::PpWaiting => "Завершите оплату на платёжной странице…",
        Msg::PpChecking => "Проверяем, прошла ли оплата…",
        Msg::CashTitle => "Оплата наличными в терминале Kassa24",
        Msg::CashStepFind => "Найдите терминал Kassa24.",
        Msg::CashStepService => "Выберите {merchant} в списке услуг.",
        Msg::CashStepAccount => "Введите номер счёта:",
        Msg::CashStepInsert => "Внесите наличными от {min} до {max}.",
        Msg::CashStepReceipt => "Сохраните чек. Платёж появится здесь через несколько минут.",
        Msg::Copy => "Скопировать",
        Msg::Copied => "Скопировано",
        Msg::CopyFailed => "Не удалось скопировать: выделите номер",
        Msg::CashWaiting => "Ждём вашего платежа в терминале…",
        Msg::CashCredited => "Зачислено: {amount}",
        Msg::CashRemaining => "Осталось оплатить: {amount}.",
        Msg::CashPaidInFull => "Оплачено полностью.",
        Msg::PayoutTitle => "Получение денег на телефон",
        Msg::Continue => "Продолжить",
        Msg::PayoutConfirm => "Отправить {amount} на номер {phone}?",
        Msg::PayoutSend => "Отправить",
        Msg::Back => "Назад",
        Msg::PayoutWaiting => "Отправляем деньги…",
        Msg::PayoutDone => "Деньги отправлены",
        Msg::PayoutDoneDetail => "{amount} отправлено на номер {phone}",
        Msg::PayoutDeclined => "Выплата отклонена",
        Msg::PayoutFrom => "Отправитель: {merchant}",
        Msg::PayoutPhoneHint => "Деньги поступят на счёт мобильной связи этого номера.",
        Msg::SuccessDetailNoPhone => "Оплачено {amount}",
        Msg::FailedDetail => "Платёжная система не приняла эту оплату, деньги не списаны. Попробуйте ещё раз или выберите другой способ.",
        Msg::OtpAutofilled => "Код подставлен из SMS.",
        Msg::ErrRequestRefused => "Форма оплаты не совпадает с сервером магазина. Обновите страницу.",
        Msg::ErrPaymentNotFound => "Платёж не найден. Начните заново.",
        Msg::ErrMethodNotAllowed => "Этот способ оплаты недоступен для этого заказа.",
        Msg::ErrAlreadyPaid => "Этот заказ уже оплачен.",
        Msg::ErrPaymentInProgress => "Оплата этого заказа уже идёт. Подождите немного и попробуйте снова.",
        Msg::ErrNotAwaitingOtp => "Платёж больше не ждёт код. Дождитесь результата.",
        Msg::ErrOtpAlreadySubmitted => "Этот код уже отправлен, платёж проверяется.",
        Msg::ErrResendNotYet => "Новый код можно запросить чуть позже.",
        Msg::ErrResendInProgress => "Новый код уже в пути.",
        Msg::ErrGateRejected => "Платёжная система отклонила этот платёж. Попробуйте снова или выберите другой способ оплаты.",
        Msg::ErrPlatformUnavailable => "Платёжная система не отвечает. Попробуйте через минуту.",
        Msg::ErrShopSetup => "Оплата в магазине настроена неверно. Свяжитесь с магазином.",
        Msg::ErrInternal => "На стороне магазина произошла ошибка. Попробуйте ещё раз.",
        Msg::ErrUnexpectedAnswer => "Не удалось прочитать ответ сервера магазина. Обновите страницу.",
        Msg::CodeFailed => "Не удалось отправить код. Попробуйте ещё раз.",
        Msg::ResendFailed => "Не удалось запросить новый код. Попробуйте ещё раз.",
        Msg::PayoutFailed => "Не удалось отправить выплату. Попробуйте ещё раз.",
    }
}

fn en(msg: Msg) -> &'static str {
    match msg {
        Msg::Loading => "Loading the checkout…",
        Msg::LoadFailed => "The checkout could not be loaded.",
        Msg::SessionNotFound => "This payment link has expired. Return to the shop and start again.",
        Msg::PayTo => "Payment to {merchant}",
        Msg::OperatorLegend => "Mobile operator",
        Msg::OperatorPortabilityHint => "If you moved your number to another operator, choose the one you use now.",
        Msg::OperatorRequired => "Choose your mobile operator.",
        Msg::PhoneLabel => "Phone number",
        Msg::PhoneHint => "We will text a confirmation code to this number.",
        Msg::PhoneEmpty => "Enter your phone number.",
        Msg::PhoneTooShort => "The number is too short: it needs 10 digits after +7.",
        Msg::PhoneTooLong => "The number is too long: it needs 10 digits after +7.",
        Msg::PhoneRussian => "This is a Russian number. Enter a Kazakhstan mobile number (+7 70x, +7 747, +7 77x).",
        Msg::PhoneNotKzMobile => "This is not a Kazakhstan mobile number (+7 70x, +7 747 or +7 77x).",
        Msg::PhoneForeign => "The number must start with +7.",
        Msg::PhoneInvalidCharacter => "A phone number has only digits, spaces, brackets and dashes.",
        Msg::GetCode => "Get the code",
        Msg::Sending => "Sending…",
        Msg::GettingReady => "Getting ready…",
        Msg::StartFailed => "The payment could not be started. Please try again.",
        Msg::NetworkError => "Network error. Check your connection and try again.",
        Msg::OtpTitle => "Enter the code from the SMS",
        Msg::OtpSentTo => "We sent a code to {phone}",
        Msg::OtpLabel => "Code from the SMS",
        Msg::OtpSubmit => "Confirm",
        Msg::OtpWrong => "That code is not right. Check the SMS and type it again.",
        Msg::OtpExpired => "The code has expired. Ask for a new one.",
        Msg::OtpExpiredNoneLeft => "The code has expired and no new codes are left. Start the payment again.",
        Msg::OtpValidFor => "Code valid for",
        Msg::OtpShape => "The code is 4 to 8 digits.",
        Msg::Resend => "Send a new code",
        Msg::ResendSent => "A new code is on its way.",
        Msg::ResendTooEarly => "You can ask for a new code in {seconds} s.",
        Msg::OtpTriesUsed => "This code was entered wrong too many times. Ask for a new code.",
        Msg::OtpTriesUsedNoneLeft => "This code was entered wrong too many times, and no new codes are left.",
        Msg::TooManyRequests => "Too many attempts. Please try again in {minutes} min.",
        Msg::AnnounceMinute => "1 minute left",
        Msg::AnnounceExpired => "The code has expired",
        Msg::Waiting => "Confirming the payment with your operator…",
        Msg::CheckingCode => "Checking the code…",
        Msg::Success => "Payment complete",
        Msg::SuccessDetail => "{amount} paid from {phone}",
        Msg::Declined => "Payment declined",
        Msg::DeclineGeneral => "The operator declined the payment. Try again or choose another way to pay.",
        Msg::DeclineFunds => "There is not enough money on your phone balance. Top it up and try again.",
        Msg::Failed => "Payment failed",
        Msg::Refunded => "This payment was refunded.",
        Msg::TryAgain => "Try again",
        Msg::Reconnecting => "Connection lost. Reconnecting…",
        Msg::PpPay => "Pay on the payment page",
        Msg::PpHint => "You will confirm the payment with a code from your operator on the payment page.",
        Msg::PpLoadFailed => "The payment page could not be opened. Check your connection and try again.",
        Msg::PpWaiting => "Complete the payment on the payment page…",
        Msg::PpChecking => "Checking whether the payment went through…",
        Msg::CashTitle => "Pay in cash at a Kassa24 terminal",
        Msg::CashStepFind => "Find a Kassa24 terminal.",
        Msg::CashStepService => "Choose {merchant} among the services.",
        Msg::CashStepAccount => "Type your account number:",
        Msg::CashStepInsert => "Insert from {min} to {max} in cash.",
        Msg::CashStepReceipt => "Keep the receipt. The payment shows up here within minutes.",
        Msg::Copy => "Copy",
        Msg::Copied => "Copied",
        Msg::CopyFailed => "Could not copy: select the number",
        Msg::CashWaiting => "Waiting for your payment at the terminal…",
        Msg::CashCredited => "Credited: {amount}",
        Msg::CashRemaining => "Left to pay: {amount}.",
        Msg::CashPaidInFull => "Paid in full.",
        Msg::PayoutTitle => "Receive money to your phone",
        Msg::Continue => "Continue",
        Msg::PayoutConfirm => "Send {amount} to {phone}?",
        Msg::PayoutSend => "Send",
        Msg::Back => "Back",
        Msg::PayoutWaiting => "Sending the money…",
        Msg::PayoutDone => "Money sent",
        Msg::PayoutDoneDetail => "{amount} sent to {phone}",
        Msg::PayoutDeclined => "Payout declined",
        Msg::PayoutFrom => "Payout from {merchant}",
        Msg::PayoutPhoneHint => "The money goes to the mobile account of this number.",
        Msg::SuccessDetailNoPhone => "{amount} paid",
        Msg::FailedDetail => "The payment platform did not accept this payment, and no money was taken. Try again or choose another way to pay.",
        Msg::OtpAutofilled => "The code was filled in from the SMS.",
        Msg::ErrRequestRefused => "This payment form does not match the shop's server. Please reload the page.",
        Msg::ErrPaymentNotFound => "This payment was not found. Please start again.",
        Msg::ErrMethodNotAllowed => "This way of paying is not available for this order.",
        Msg::ErrAlreadyPaid => "This order is already paid.",
        Msg::ErrPaymentInProgress => "A payment for this order is already under way. Wait a little and try again.",
        Msg::ErrNotAwaitingOtp => "The payment is no longer waiting for a code. Please wait for its result.",
        Msg::ErrOtpAlreadySubmitted => "This code has already been sent; the payment is being checked.",
        Msg::ErrResendNotYet => "A new code can be requested a little later.",
        Msg::ErrResendInProgress => "A new code is already on its way.",
        Msg::ErrGateRejected => "The payment system refused this payment. Try again or choose another way to pay.",
        Msg::ErrPlatformUnavailable => "The payment system is not answering. Please try again in a minute.",
        Msg::ErrShopSetup => "The shop's checkout is not set up correctly. Please contact the shop.",
        Msg::ErrInternal => "Something went wrong on the shop's side. Please try again.",
        Msg::ErrUnexpectedAnswer => "The shop's server answered in a way this form cannot read. Please reload the page.",
        Msg::CodeFailed => "The code could not be sent. Please try again.",
        Msg::ResendFailed => "A new code could not be requested. Please try again.",
        Msg::PayoutFailed => "The payout could not be sent. Please try again.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placeholders(text: &str) -> Vec<&str> {
        let mut found: Vec<&str> = text.split('{').skip(1).filter_map(|rest| rest.split_once('}').map(|(name, _)| name)).collect();
        found.sort_unstable();
        found
    }

    #[test]
    fn every_message_is_translated_with_the_same_placeholders() {
        for msg in Msg::ALL {
            let texts: Vec<&str> = Locale::ALL.iter().map(|&l| t(l, msg)).collect();
            assert!(texts.iter().all(|s| !s.trim().is_empty()), "{msg:?}");
            assert_ne!(texts[0], texts[2], "{msg:?} is not translated into Kazakh");
            assert_ne!(texts[1], texts[2], "{msg:?} is not translated into Russian");
            assert_eq!(placeholders(texts[0]), placeholders(texts[2]), "{msg:?}");
            assert_eq!(placeholders(texts[1]), placeholders(texts[2]), "{msg:?}");
        }
    }

    #[test]
    fn counts_follow_each_languages_plural_rules() {
        assert_eq!(resends_left(Locale::Ru, 1), "остался 1 новый код");
        assert_eq!(resends_left(Locale::Ru, 2), "осталось 2 новых кода");
        assert_eq!(resends_left(Locale::Ru, 0), "осталось 0 новых кодов");
        assert_eq!(resends_left(Locale::Ru, 5), "осталось 5 новых кодов");
        assert_eq!(resends_left(Locale::En, 1), "1 new code left");
        assert_eq!(resends_left(Locale::En, 3), "3 new codes left");
        assert_eq!(resends_left(Locale::Kk, 3), "тағы 3 жаңа код");
        assert_eq!(seconds_left(Locale::Ru, 21), "Осталась 21 секунда");
        assert_eq!(seconds_left(Locale::Ru, 10), "Осталось 10 секунд");
        assert_eq!(seconds_left(Locale::Ru, 3), "Осталось 3 секунды");
    }

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(tf(Locale::En, Msg::PayTo, &[("merchant", "Sulpak")]), "Payment to Sulpak");
        assert_eq!(tf(Locale::Ru, Msg::ResendTooEarly, &[("seconds", "12")]), "Новый код можно запросить через 12 с.");
    }
}
