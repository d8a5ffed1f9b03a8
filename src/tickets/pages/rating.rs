//! Satisfaction on the ticket page: the customer rates a resolution once; staff see the rating.

use leptos::prelude::*;

use super::actions::TicketActions;
use crate::domain::ticket::{RATING_COMMENT_MAX_CHARS, Rating, Ticket};
use crate::ui::{FieldError, FormError, ServerForm};

/// For the ticket's customer: the question once the ticket is resolved, then their answer.
/// `comment`: what is typed in it, kept while the page shows the ticket anew (at first what a
/// refused plain post, without JavaScript, had in it).
#[component]
pub fn RatingBox(ticket: Ticket, actions: TicketActions, comment: RwSignal<String>) -> impl IntoView {
    let t = &crate::i18n::t().tickets;
    // Only a refusal of the rating itself is this form's (the header's actions show the others).
    let error = Signal::derive(move || actions.refusal.get().filter(|error| matches!(error.field.as_deref(), Some("score" | "comment"))));
    if let Some(rating) = &ticket.rating {
        return Some(leptos::either::Either::Left(view! {
            <p class="rating-given notice success" role="status" data-testid="rating-given">{(t.you_rated)(rating.score)}</p>
        }));
    }
    ticket.awaits_rating().then(|| {
        let choices = (1..=5i16)
            .map(|score| {
                let id = format!("score-{score}");
                view! {
                    <input type="radio" name="score" id=id.clone() value=score required />
                    <label for=id title=(t.score_of)(score)>
                        <span aria-hidden="true">{"★".repeat(score as usize)}</span>
                        <span class="visually-hidden">{(t.score_of)(score)}</span>
                    </label>
                }
            })
            .collect_view();
        leptos::either::Either::Right(view! {
            <section class="rating-box" aria-labelledby="rate-heading">
                <h2 id="rate-heading">{t.rate_heading}</h2>
                <ServerForm action=actions.rate attr:class="rating-form">
                    <FormError error />
                    <input type="hidden" name="ticket_id" value=ticket.id />
                    <fieldset class="stars">
                        <legend>{t.rate_intro}</legend>
                        {choices}
                    </fieldset>
                    <FieldError error field="score" />
                    <label for="rating-comment">{t.rating_comment}</label>
                    <textarea id="rating-comment" name="comment" rows="2" maxlength=RATING_COMMENT_MAX_CHARS
                        on:input=move |event| comment.set(event_target_value(&event))>{comment.get_untracked()}</textarea>
                    <FieldError error field="comment" />
                    <button type="submit" class="button primary" disabled=move || actions.busy()>
                        {move || if actions.rate.pending().get() { t.sending_rating } else { t.send_rating }}
                    </button>
                </ServerForm>
            </section>
        })
    })
}

/// For staff, in the ticket's facts.
#[component]
pub fn RatingFact(rating: Rating) -> impl IntoView {
    let t = &crate::i18n::t().tickets;
    view! {
        <div>
            <dt>{t.rating}</dt>
            <dd data-testid="ticket-rating">
                <span class="stars-shown" aria-hidden="true">{"★".repeat(rating.score.clamp(0, 5) as usize)}</span>
                " " {(t.score_of)(rating.score)}
                {(!rating.comment.is_empty()).then(|| view! { <br /><q class="rating-comment">{rating.comment.clone()}</q> })}
            </dd>
        </div>
    }
}
