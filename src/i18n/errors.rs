//! Error messages in the page's language. The server writes its messages in English (they are
//! also the API's, read by scripts); the browser shows them translated, whether they came from a
//! server function, the socket or a form posted without JavaScript. A message with no
//! translation here is shown as it came.

use super::{Lang, lang};
use crate::error::AppError;

/// The message of `err` as the person reading this page should see it.
pub fn error_message(err: &AppError) -> String {
    server_text(&err.message)
}

/// A message the server wrote (an error's, or a socket event's), in the page's language.
pub fn server_text(message: &str) -> String {
    translate(lang(), message)
}

pub fn translate(lang: Lang, message: &str) -> String {
    match lang {
        Lang::En => message.to_owned(),
        Lang::Es => spanish(message).unwrap_or_else(|| message.to_owned()),
    }
}

fn spanish(message: &str) -> Option<String> {
    let fixed = match message {
        "Please sign in to continue." => "Inicia sesión para continuar.",
        "You do not have permission to do that." => "No tienes permiso para hacer eso.",
        "Something went wrong on our side. Please try again." => "Algo salió mal de nuestro lado. Inténtalo de nuevo.",
        "Could not reach MyRelay. Check your connection and try again." => {
            "No se pudo conectar con MyRelay. Revisa tu conexión e inténtalo de nuevo."
        }
        "The request is too large (at most 1 MiB)." => "La solicitud es demasiado grande (1 MiB como máximo).",
        "This text contains control characters; only line breaks and tabs are allowed." => {
            "Este texto contiene caracteres de control; solo se permiten saltos de línea y tabulaciones."
        }
        "Please enter your name." => "Escribe tu nombre.",
        "Please enter your email address." => "Escribe tu correo electrónico.",
        "Please enter a valid email address, like name@example.com." => {
            "Escribe un correo electrónico válido, como nombre@ejemplo.com."
        }
        "Please enter your password." => "Escribe tu contraseña.",
        "Wrong email or password." => "Correo electrónico o contraseña incorrectos.",
        "This account has been deactivated. Please contact your administrator." => {
            "Esta cuenta ha sido desactivada. Ponte en contacto con tu administrador."
        }
        "An account with this email already exists. Sign in instead?" => {
            "Ya existe una cuenta con este correo electrónico. ¿Quieres iniciar sesión?"
        }
        "Please describe your issue." => "Describe tu problema.",
        "Ticket not found." => "Ticket no encontrado.",
        "No such person." => "No existe esa persona.",
        "A message cannot be empty." => "Un mensaje no puede estar vacío.",
        "Agents can only assign tickets to themselves." => "Los agentes solo pueden asignarse tickets a sí mismos.",
        "Assign this ticket before resolving it." => "Asigna este ticket antes de resolverlo.",
        "Only resolved tickets can be closed (an admin can close any ticket)." => {
            "Solo se pueden cerrar tickets resueltos (un administrador puede cerrar cualquiera)."
        }
        "Only resolved tickets can be reopened." => "Solo se pueden reabrir tickets resueltos.",
        "Only the assigned agent or an admin can do that." => "Solo el agente asignado o un administrador puede hacer eso.",
        "This ticket is already resolved." => "Este ticket ya está resuelto.",
        "This ticket is closed; it can no longer change." => "Este ticket está cerrado; ya no puede cambiar.",
        "This ticket is closed; no more messages can be sent." => "Este ticket está cerrado; ya no se pueden enviar mensajes.",
        "This ticket is resolved; reopen it to work on it again." => "Este ticket está resuelto; reábrelo para volver a trabajar en él.",
        "This ticket was changed by someone else since you loaded it. Reload to see it as it is now." => {
            "Otra persona cambió este ticket desde que lo cargaste. Recarga para verlo como está ahora."
        }
        "Tickets can only be assigned to an active agent." => "Los tickets solo se pueden asignar a un agente activo.",
        "The server is busy; send again in a moment." => "El servidor está ocupado; vuelve a enviarlo en un momento.",
        "Too many requests; slow down." => "Demasiadas solicitudes; ve más despacio.",
        "You no longer have access to this ticket." => "Ya no tienes acceso a este ticket.",
        "MyRelay needs at least one active admin: make someone else an admin first." => {
            "MyRelay necesita al menos un administrador activo: haz administrador a otra persona primero."
        }
        "You cannot change your own role." => "No puedes cambiar tu propio rol.",
        "You cannot deactivate your own account." => "No puedes desactivar tu propia cuenta.",
        "Requests from other sites are refused." => "Se rechazan las solicitudes de otros sitios.",
        "Unknown status: use open, assigned, resolved or closed." => {
            "Estado desconocido: usa open, assigned, resolved o closed."
        }
        "Unknown assignment filter: use unassigned or mine." => "Filtro de asignación desconocido: usa unassigned o mine.",
        "Search for at most 100 characters." => "Busca con 100 caracteres como máximo.",
        "This client_id was already used for another ticket." => "Este client_id ya se usó para otro ticket.",
        "Join the ticket first." => "Únete primero al ticket.",
        "Please give the category a name." => "Ponle un nombre a la categoría.",
        "A category with this name already exists." => "Ya existe una categoría con este nombre.",
        "The default agent must be an active agent." => "El agente predeterminado debe ser un agente activo.",
        "No such category." => "No existe esa categoría.",
        "Choose one of the categories offered." => "Elige una de las categorías disponibles.",
        "Please choose a category." => "Elige una categoría.",
        _ => "",
    };
    if !fixed.is_empty() {
        return Some(fixed.to_owned());
    }
    // Messages with a value inside: what comes before it, after it, and the translation.
    type Template = (&'static str, &'static str, fn(&str) -> String);
    let templates: [Template; 11] = [
        ("This ticket is already assigned to ", ".", |who| {
            let who = match who {
                "you" => "ti",
                "another agent" => "otro agente",
                "that agent" => "ese agente",
                name => name,
            };
            format!("Este ticket ya está asignado a {who}.")
        }),
        ("A message can be at most ", " characters.", |n| format!("Un mensaje puede tener como máximo {n} caracteres.")),
        ("The subject can be at most ", " characters.", |n| format!("El asunto puede tener como máximo {n} caracteres.")),
        ("The description can be at most ", " characters.", |n| {
            format!("La descripción puede tener como máximo {n} caracteres.")
        }),
        ("Your name can be at most ", " characters.", |n| format!("Tu nombre puede tener como máximo {n} caracteres.")),
        ("The name can be at most ", " characters.", |n| format!("El nombre puede tener como máximo {n} caracteres.")),
        ("The first message can be at most ", " characters.", |n| {
            format!("El primer mensaje puede tener como máximo {n} caracteres.")
        }),
        ("Your password must be at least ", " characters long.", |n| {
            format!("Tu contraseña debe tener al menos {n} caracteres.")
        }),
        ("Your password can be at most ", " characters long.", |n| {
            format!("Tu contraseña puede tener como máximo {n} caracteres.")
        }),
        ("Too many failed sign-in attempts. Please wait ", " minutes and try again.", |n| {
            format!("Demasiados intentos fallidos de inicio de sesión. Espera {n} minutos e inténtalo de nuevo.")
        }),
        ("Too many messages: at most ", ").", |rest| {
            // "5 per second (bursts of 10"
            let (rate, burst) = rest.split_once(" per second (bursts of ").unwrap_or((rest, "?"));
            format!("Demasiados mensajes: como máximo {rate} por segundo (ráfagas de {burst}).")
        }),
    ];
    templates.iter().find_map(|(prefix, suffix, make)| {
        message.strip_prefix(prefix).and_then(|rest| rest.strip_suffix(suffix)).map(make)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::account::{normalize_email, validate_new_account};

    #[test]
    fn server_messages_read_in_spanish() {
        let spanish = |message: &str| translate(Lang::Es, message);
        assert_eq!(spanish("Ticket not found."), "Ticket no encontrado.");
        assert_eq!(spanish("This ticket is already assigned to Abe."), "Este ticket ya está asignado a Abe.");
        assert_eq!(spanish("This ticket is already assigned to another agent."), "Este ticket ya está asignado a otro agente.");
        assert_eq!(
            spanish("Too many messages: at most 5 per second (bursts of 10)."),
            "Demasiados mensajes: como máximo 5 por segundo (ráfagas de 10)."
        );
        assert_eq!(spanish("Something new."), "Something new.");
        assert_eq!(translate(Lang::En, "Ticket not found."), "Ticket not found.");
    }

    /// The validators' own messages, not copies of them: a reworded message shows up here.
    #[test]
    fn every_validation_message_of_the_forms_has_a_translation() {
        let mut messages = vec![normalize_email("").unwrap_err().message, normalize_email("nope").unwrap_err().message];
        let (long_name, long_password) = ("x".repeat(500), "p".repeat(500));
        for (name, password) in [("", "long enough"), ("A", "short"), (&long_name, "long enough"), ("A", &long_password)] {
            messages.push(validate_new_account("a@b.co", name, password).unwrap_err().message);
        }
        messages.push(crate::domain::ticket::validate_new_ticket(None, "").unwrap_err().message);
        messages.push(crate::domain::ticket::validate_new_ticket(Some(&"s".repeat(500)), "d").unwrap_err().message);
        messages.push(crate::error::refuse_control_chars("content", "a\u{0}").unwrap_err().message);
        for message in messages {
            assert_ne!(translate(Lang::Es, &message), message, "no Spanish for {message:?}");
        }
    }
}
