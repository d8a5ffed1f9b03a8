//! The words of MyRelay's mails, in English and Spanish (a text missing in one is a compile error).

use crate::i18n::Lang;

pub struct MailTexts {
    pub replies_subject: fn(ticket_id: i64, title: &str) -> String,
    pub resolved_subject: fn(ticket_id: i64, title: &str) -> String,
    pub refusal_subject: &'static str,
    /// "Ana answered your request" (one person) / "Support answered your request" (several).
    pub replied: fn(names: &str) -> String,
    pub resolved: &'static str,
    pub rate_us: &'static str,
    pub reply_hint: &'static str,
    pub open_conversation: &'static str,
    pub why_you_get_this: &'static str,
    pub turn_off: &'static str,
    pub attachments: fn(count: usize) -> String,
    pub refusal_intro: &'static str,
    pub refusal_outro: &'static str,
    pub refusal_reasons: fn(reason: &str) -> &'static str,
}

impl MailTexts {
    pub fn of(lang: Lang) -> &'static MailTexts {
        match lang {
            Lang::En => &EN,
            Lang::Es => &ES,
        }
    }
}

static EN: MailTexts = MailTexts {
    replies_subject: |id, title| format!("Re: [#{id}] {title}"),
    resolved_subject: |id, title| format!("Resolved: [#{id}] {title}"),
    refusal_subject: "Your email could not be added to a support conversation",
    replied: |names| format!("{names} answered your request:"),
    resolved: "Your request has been marked as resolved. If something is still not right, just reply to this email and it opens again.",
    rate_us: "How did we do? Rate the help you got:",
    reply_hint: "Reply to this email to answer; your reply goes into the conversation.",
    open_conversation: "Open the conversation:",
    why_you_get_this: "You get this email because you asked MyRelay support for help.",
    turn_off: "Stop these emails:",
    attachments: |n| if n == 1 { "1 file attached (open the conversation to see it)".into() } else { format!("{n} files attached (open the conversation to see them)") },
    refusal_intro: "We could not add your email to a support conversation:",
    refusal_outro: "Nothing was added. You can always write to us from the conversation on the website.",
    refusal_reasons: |reason| match reason {
        "no_reply_address" | "forged" => "it was not sent to the reply address of one of your requests.",
        "unknown_sender" => "it came from an address that is not the one your request belongs to.",
        "ticket_closed" => "the request it answers is closed. Please open a new request on the website.",
        "ticket_gone" => "the request it answers no longer exists.",
        "too_large" => "it is too large.",
        "attachment_too_large" => "one of its files is larger than we accept.",
        "too_many_attachments" => "it has more files than one message may carry.",
        "too_long" => "its text is longer than one message may be.",
        "empty" => "we found no text and no files in it.",
        _ => "we could not read it.",
    },
};

static ES: MailTexts = MailTexts {
    replies_subject: |id, title| format!("Re: [#{id}] {title}"),
    resolved_subject: |id, title| format!("Resuelta: [#{id}] {title}"),
    refusal_subject: "No pudimos añadir tu correo a una conversación de soporte",
    replied: |names| format!("{names} respondió a tu solicitud:"),
    resolved: "Tu solicitud se ha marcado como resuelta. Si algo sigue sin funcionar, responde a este correo y se abrirá de nuevo.",
    rate_us: "¿Qué tal lo hicimos? Valora la ayuda recibida:",
    reply_hint: "Responde a este correo para contestar; tu respuesta se añade a la conversación.",
    open_conversation: "Abrir la conversación:",
    why_you_get_this: "Recibes este correo porque pediste ayuda al soporte de MyRelay.",
    turn_off: "Dejar de recibir estos correos:",
    attachments: |n| if n == 1 { "1 archivo adjunto (ábrelo en la conversación)".into() } else { format!("{n} archivos adjuntos (ábrelos en la conversación)") },
    refusal_intro: "No pudimos añadir tu correo a una conversación de soporte:",
    refusal_outro: "No se añadió nada. Siempre puedes escribirnos desde la conversación en el sitio web.",
    refusal_reasons: |reason| match reason {
        "no_reply_address" | "forged" => "no se envió a la dirección de respuesta de una de tus solicitudes.",
        "unknown_sender" => "llegó desde una dirección que no es la de la solicitud.",
        "ticket_closed" => "la solicitud a la que responde está cerrada. Abre una nueva en el sitio web.",
        "ticket_gone" => "la solicitud a la que responde ya no existe.",
        "too_large" => "es demasiado grande.",
        "attachment_too_large" => "uno de sus archivos supera el tamaño que aceptamos.",
        "too_many_attachments" => "lleva más archivos de los que admite un mensaje.",
        "too_long" => "su texto es más largo de lo que admite un mensaje.",
        "empty" => "no encontramos texto ni archivos en él.",
        _ => "no pudimos leerlo.",
    },
};
