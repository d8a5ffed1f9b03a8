//! Errors in the page's language, by their [`Problem`] (its key and parameters), never by their
//! English sentence: rewording a message cannot drop its translation, and a new problem without
//! a Spanish text here does not compile. English is `Problem::english` (the server also writes it
//! into every error's `message`).

use super::{Lang, lang};
use crate::error::{AppError, Problem, TextKind};

/// The message of `err` as the person reading this page should see it.
pub fn error_message(err: &AppError) -> String {
    problem_text(&err.problem)
}

/// A problem (from an error, the socket or the browser itself) in the page's language.
pub fn problem_text(problem: &Problem) -> String {
    translate(lang(), problem)
}

pub fn translate(lang: Lang, problem: &Problem) -> String {
    match lang {
        Lang::En => problem.english(),
        Lang::Es => spanish(problem),
    }
}

fn spanish_text(text: TextKind) -> &'static str {
    match text {
        TextKind::Message => "Un mensaje",
        TextKind::Subject => "El asunto",
        TextKind::Description => "La descripción",
        TextKind::DisplayName => "Tu nombre",
        TextKind::CategoryName => "El nombre",
        TextKind::CategoryDescription => "La descripción",
        TextKind::FirstMessage => "El primer mensaje",
        TextKind::Comment => "El comentario",
    }
}

fn spanish(problem: &Problem) -> String {
    use Problem::*;
    let fixed = match problem {
        SignInRequired => "Inicia sesión para continuar.",
        NotPermitted => "No tienes permiso para hacer eso.",
        Internal => "Algo salió mal de nuestro lado. Inténtalo de nuevo.",
        Unreachable => "No se pudo conectar con MyRelay. Revisa tu conexión e inténtalo de nuevo.",
        RequestTooLarge => "La solicitud es demasiado grande (1 MiB como máximo).",
        CrossSiteRequest => "Se rechazan las solicitudes de otros sitios.",
        CrossSiteSocket => "Las conexiones WebSocket solo se aceptan desde este sitio.",
        UnsupportedMediaType { media_type } => {
            return format!("Envía los argumentos como application/x-www-form-urlencoded o application/json, no {media_type}.");
        }
        // The detail is the decoder's own, in English.
        MalformedArguments { detail } => return format!("La solicitud está mal formada: {detail}"),
        UnreadableRequest { detail } => return format!("No se pudo leer la solicitud: {detail}."),
        FieldRequired { field } => return format!("{field} es obligatorio."),
        FieldInvalid { field, detail } => return format!("{field} tiene un valor no válido ({detail})."),
        ControlCharacters => "Este texto contiene caracteres de control; solo se permiten saltos de línea y tabulaciones.",
        TooLong { text, max } => return format!("{} puede tener como máximo {max} caracteres.", spanish_text(*text)),
        TooManyRequests => "Demasiadas solicitudes; ve más despacio.",
        PageCursorInvalid => "El cursor de página no es válido.",
        PageCursorStale => "El cursor de página no es válido; empieza desde la primera página.",
        LimitOutOfRange { max } => return format!("limit debe estar entre 1 y {max}."),
        AfterNoteSeqNegative => "after_note_seq no puede ser negativo.",
        SeqNegative => "seq debe ser 0 o más.",
        NameRequired => "Escribe tu nombre.",
        EmailRequired => "Escribe tu correo electrónico.",
        EmailInvalid => "Escribe un correo electrónico válido, como nombre@ejemplo.com.",
        PasswordRequired => "Escribe tu contraseña.",
        PasswordTooShort { min } => return format!("Tu contraseña debe tener al menos {min} caracteres."),
        PasswordTooLong { max } => return format!("Tu contraseña puede tener como máximo {max} caracteres."),
        WrongCredentials => "Correo electrónico o contraseña incorrectos.",
        AccountDeactivated => "Esta cuenta ha sido desactivada. Ponte en contacto con tu administrador.",
        EmailTaken => "Ya existe una cuenta con este correo electrónico. ¿Quieres iniciar sesión?",
        SignInThrottled { minutes } => {
            return format!("Demasiados intentos fallidos de inicio de sesión. Espera {minutes} minutos e inténtalo de nuevo.");
        }
        UnknownLanguage => "Idioma desconocido: usa en o es.",
        UnknownRole => "Rol desconocido: usa user, agent o admin.",
        OwnRole => "No puedes cambiar tu propio rol.",
        OwnDeactivation => "No puedes desactivar tu propia cuenta.",
        LastAdmin => "MyRelay necesita al menos un administrador activo: haz administrador a otra persona primero.",
        NoSuchPerson => "No existe esa persona.",
        OwnResponsibleAgent => "Nadie puede ser su propio agente responsable.",
        ResponsibleAgentInactive => "El agente responsable debe ser un agente activo.",
        UnknownAuditAction => "Tipo de cambio desconocido.",
        SearchEmpty => "Escribe qué buscar.",
        SearchTooLong { max } => return format!("Busca con {max} caracteres como máximo."),
        CategoryNameRequired => "Ponle un nombre a la categoría.",
        CategoryNameTaken => "Ya existe una categoría con este nombre.",
        DefaultAgentInactive => "El agente predeterminado debe ser un agente activo.",
        NoSuchCategory => "No existe esa categoría.",
        UnknownDirection => "Dirección desconocida: usa up o down.",
        CategoryNotOffered => "Elige una de las categorías disponibles.",
        CategoryRequired => "Elige una categoría.",
        TicketNotFound => "Ticket no encontrado.",
        DescriptionRequired => "Describe tu problema.",
        UnknownStatus => "Estado desconocido: usa open, assigned, resolved o closed.",
        UnknownAssignmentFilter => "Filtro de asignación desconocido: usa unassigned o mine.",
        UnknownPriorityFilter => "Prioridad desconocida: usa low, normal, high o urgent.",
        UnknownSort => "Orden desconocido: usa recent, priority o due.",
        UnknownSlaFilter => "Filtro de SLA desconocido: usa breached.",
        SlaStaffOnly => "Solo los agentes y administradores pueden filtrar u ordenar por SLA.",
        UnknownPriority => "Elige baja, normal, alta o urgente.",
        UnknownAction => "Acción desconocida: usa resolve, close o reopen.",
        TicketClosed => "Este ticket está cerrado; ya no puede cambiar.",
        TicketResolved => "Este ticket está resuelto; reábrelo para volver a trabajar en él.",
        AgentsAssignThemselves => "Los agentes solo pueden asignarse tickets a sí mismos.",
        AlreadyAssignedToYou => "Este ticket ya está asignado a ti.",
        AlreadyAssigned { agent } => return format!("Este ticket ya está asignado a {}.", agent.as_deref().unwrap_or("otro agente")),
        AssignActiveAgentOnly => "Los tickets solo se pueden asignar a un agente activo.",
        ResolveUnassigned => "Asigna este ticket antes de resolverlo.",
        AlreadyResolved => "Este ticket ya está resuelto.",
        CloseNeedsResolved => "Solo se pueden cerrar tickets resueltos (un administrador puede cerrar cualquiera).",
        ReopenNeedsResolved => "Solo se pueden reabrir tickets resueltos.",
        AssigneeOrAdminOnly => "Solo el agente asignado o un administrador puede hacer eso.",
        ChangedSinceLoaded => "Otra persona cambió este ticket desde que lo cargaste. Recarga para verlo como está ahora.",
        RatingScore => "Valora de 1 a 5.",
        RatingOwnerOnly => "Solo quien abrió el ticket puede valorarlo.",
        RatingNeedsResolved => "Un ticket se puede valorar cuando está resuelto.",
        AlreadyRated => "Ya valoraste esta resolución.",
        DurationUnreadable => "Escribe un tiempo como 30m, 4h, 2d o 1h 30m, o déjalo en blanco para no tener objetivo.",
        DurationOutOfRange => "Un objetivo debe estar entre 1 minuto y 365 días.",
        MessageEmpty => "Un mensaje no puede estar vacío.",
        ClientIdLength { max } => return format!("client_id debe tener de 1 a {max} caracteres."),
        ClientIdReused => "Este client_id ya se usó para otro ticket.",
        TicketClosedForMessages => "Este ticket está cerrado; ya no se pueden enviar mensajes.",
        SendRateExceeded { per_second, burst } => {
            return format!("Demasiados mensajes: como máximo {per_second} por segundo (ráfagas de {burst}).");
        }
        ServerBusy => "El servidor está ocupado; vuelve a enviarlo en un momento.",
        JoinFirst => "Únete primero al ticket.",
        AfterSeqOutOfRange { last_seq } => return format!("after_seq debe estar entre 0 y el último seq de este ticket ({last_seq})."),
        AfterNoteSeqOutOfRange { last_note_seq } => {
            return format!("after_note_seq debe estar entre 0 y el último note_seq de este ticket ({last_note_seq}).");
        }
        AccessLost => "Ya no tienes acceso a este ticket.",
        InboxStaffOnly => "Solo los agentes y administradores pueden seguir la bandeja de entrada.",
        WatchTooMany { max } => return format!("Se pueden seguir como máximo {max} tickets a la vez."),
        BinaryFrame => "Envía tramas de texto JSON.",
        FrameTooLarge { max } => return format!("Las tramas pueden tener como máximo {max} bytes."),
        FrameNotJson => "La trama no es JSON válido.",
        UnknownEvent => "Evento desconocido.",
        InvalidEventData { event, detail } => return format!("Datos no válidos para {event}: {detail}"),
        SessionEndedUnsent => "Tu sesión ha terminado; inicia sesión de nuevo para enviarlo.",
        AttachmentIdsNotNumbers => "Los identificadores de archivos son números separados por comas.",
        TooManyFiles { max } => return format!("Como máximo {max} archivos pueden ir con un mensaje."),
        FileTwice => "Cada archivo se puede adjuntar una sola vez.",
        AttachmentsNotYours => "Adjunta archivos que hayas subido para este ticket y que aún no hayas enviado.",
        UploadTicketInvalid => "El identificador del ticket no es válido.",
        UploadTicketMissing => "Indica para qué ticket es el archivo.",
        TicketClosedForFiles => "Este ticket está cerrado; ya no se pueden añadir archivos.",
        TooManyUnsentFiles { max } => {
            return format!(
                "Tienes {max} archivos esperando a ser enviados: envíalos primero (los archivos no enviados se descartan después de una hora)."
            );
        }
        NoSuchTicket => "No existe ese ticket.",
        NoSuchFile => "No existe ese archivo.",
        FileTooLarge { limit } => return format!("Los archivos pueden tener como máximo {limit}."),
        UploadInterrupted => "La subida se interrumpió.",
        FileEmpty => "El archivo está vacío.",
        UploadUnreachable => "La subida no llegó al servidor. Revisa tu conexión e inténtalo de nuevo.",
    };
    fixed.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::account::{normalize_email, validate_new_account};

    #[test]
    fn problems_read_in_each_language_with_their_parameters() {
        let spanish = |problem: Problem| translate(Lang::Es, &problem);
        assert_eq!(spanish(Problem::TicketNotFound), "Ticket no encontrado.");
        assert_eq!(spanish(Problem::AlreadyAssigned { agent: Some("Abe".into()) }), "Este ticket ya está asignado a Abe.");
        assert_eq!(spanish(Problem::AlreadyAssigned { agent: None }), "Este ticket ya está asignado a otro agente.");
        assert_eq!(
            spanish(Problem::SendRateExceeded { per_second: 5, burst: 10 }),
            "Demasiados mensajes: como máximo 5 por segundo (ráfagas de 10)."
        );
        assert_eq!(translate(Lang::En, &Problem::TicketNotFound), "Ticket not found.");
        assert_eq!(
            translate(Lang::En, &Problem::TooLong { text: TextKind::Subject, max: 200 }),
            "The subject can be at most 200 characters."
        );
    }

    /// The validators' own errors: each is written in English into `message` and read in Spanish
    /// by its key.
    #[test]
    fn the_forms_validation_errors_read_in_both_languages() {
        let mut errors = vec![normalize_email("").unwrap_err(), normalize_email("nope").unwrap_err()];
        let (long_name, long_password) = ("x".repeat(500), "p".repeat(500));
        for (name, password) in [("", "long enough"), ("A", "short"), (&long_name, "long enough"), ("A", &long_password)] {
            errors.push(validate_new_account("a@b.co", name, password).unwrap_err());
        }
        errors.push(crate::domain::ticket::validate_new_ticket(None, "").unwrap_err());
        errors.push(crate::domain::ticket::validate_new_ticket(Some(&"s".repeat(500)), "d").unwrap_err());
        errors.push(crate::error::refuse_control_chars("content", "a\u{0}").unwrap_err());
        for error in errors {
            assert_eq!(translate(Lang::En, &error.problem), error.message);
            assert_ne!(translate(Lang::Es, &error.problem), error.message, "no Spanish for {:?}", error.problem);
        }
    }

    /// The wire shape: the key always, its parameters when it has any, and the English message.
    #[test]
    fn errors_carry_their_key_and_parameters_on_the_wire() {
        use crate::error::ErrorCode;
        let error = AppError::invalid("subject", Problem::TooLong { text: TextKind::Subject, max: 200 });
        let json = serde_json::to_value(&error).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "code": "validation", "problem": "too_long", "params": { "text": "subject", "max": 200 },
                "message": "The subject can be at most 200 characters.", "field": "subject",
            })
        );
        assert_eq!(serde_json::from_value::<AppError>(json).unwrap(), error);
        let plain = serde_json::to_value(AppError::new(ErrorCode::NotFound, Problem::TicketNotFound)).unwrap();
        assert_eq!(plain, serde_json::json!({ "code": "not_found", "problem": "ticket_not_found", "message": "Ticket not found." }));
        assert_eq!(serde_json::from_value::<AppError>(plain).unwrap().problem, Problem::TicketNotFound);
    }
}
