//! Texts of the search box and results.

pub struct SearchTexts {
    pub title: &'static str,
    pub label: &'static str,
    pub placeholder: &'static str,
    pub hint: &'static str,
    pub submit: &'static str,
    pub no_results: &'static str,
    pub no_results_detail: &'static str,
    pub loading: &'static str,
    pub in_ticket: &'static str,
    pub more: &'static str,
    pub first: &'static str,
    /// Takes the sender's name.
    pub message_by: fn(&str) -> String,
    /// Takes the author's name.
    pub note_by: fn(&str) -> String,
}

pub const EN: SearchTexts = SearchTexts {
    title: "Search",
    label: "Search tickets and messages",
    placeholder: "Search…",
    hint: "Words find their forms too (refund finds refunds); \"quotes\" find a phrase; -word leaves it out; or between words finds either.",
    submit: "Search",
    no_results: "Nothing matches this search.",
    no_results_detail: "Try fewer or other words.",
    loading: "Searching",
    in_ticket: "In the ticket",
    more: "More results",
    first: "First results",
    message_by: |name| format!("Message from {name}"),
    note_by: |name| format!("Internal note by {name}"),
};

pub const ES: SearchTexts = SearchTexts {
    title: "Buscar",
    label: "Buscar en tickets y mensajes",
    placeholder: "Buscar…",
    hint: "Las palabras encuentran también sus formas; las \"comillas\" buscan una frase; -palabra la excluye; or entre palabras busca cualquiera.",
    submit: "Buscar",
    no_results: "Nada coincide con esta búsqueda.",
    no_results_detail: "Prueba con menos palabras o con otras.",
    loading: "Buscando",
    in_ticket: "En el ticket",
    more: "Más resultados",
    first: "Primeros resultados",
    message_by: |name| format!("Mensaje de {name}"),
    note_by: |name| format!("Nota interna de {name}"),
};
