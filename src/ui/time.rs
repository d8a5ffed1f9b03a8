//! Times as people read them: relative ("5 min ago") in the viewer's time zone and language once
//! the page runs in the browser, the full date on hover. The server, and the browser while it
//! hydrates, render the absolute UTC time, so both produce the same HTML; the browser's `Clock`
//! switches every time on the page to local text right after.

use chrono::{DateTime, Datelike, Timelike, Utc};
use leptos::prelude::*;

use crate::i18n::ChatTexts;

/// The browser's clock in ms since the epoch: None on the server and while hydrating. Relative
/// times follow a coarse tick (every 30 s); countdowns (SLA clocks) a fine one (every second).
#[derive(Clone, Copy)]
pub struct Clock {
    coarse: RwSignal<Option<i64>>,
    fine: RwSignal<Option<i64>>,
}

impl Clock {
    /// Provided once by the app frame, which starts it.
    pub fn provide() -> Self {
        let clock = Clock { coarse: RwSignal::new(None), fine: RwSignal::new(None) };
        provide_context(clock);
        clock
    }

    /// Sets the time now and keeps it going (browser only), until the frame that started it goes.
    pub fn start(self) {
        #[cfg(feature = "hydrate")]
        {
            let tick = move || {
                let now = js_sys::Date::now() as i64;
                self.fine.set(Some(now));
                if self.coarse.get_untracked().is_none_or(|then| now - then >= 30_000) {
                    self.coarse.set(Some(now));
                }
            };
            let timer = StoredValue::new(None::<IntervalHandle>);
            // Once the page has hydrated: it hydrates the server's UTC times.
            crate::ui::ready::when_page_ready(move || {
                tick();
                if let Ok(handle) = set_interval_with_handle(tick, std::time::Duration::from_secs(1)) {
                    timer.set_value(Some(handle));
                }
            });
            on_cleanup(move || {
                if let Some(handle) = timer.try_get_value().flatten() {
                    handle.clear();
                }
            });
        }
    }

    /// The time, to the half minute.
    pub fn now() -> Option<i64> {
        use_context::<Clock>().and_then(|clock| clock.coarse.get())
    }

    /// The time, to the second.
    pub fn now_fine() -> Option<i64> {
        use_context::<Clock>().and_then(|clock| clock.fine.get())
    }
}

/// Absolute UTC time, the same text everywhere ("2026-12-02 14:05 UTC").
pub fn format_time(at: DateTime<Utc>) -> String {
    format!("{:04}-{:02}-{:02} {:02}:{:02} UTC", at.year(), at.month(), at.day(), at.hour(), at.minute())
}

pub(crate) fn machine_time(at: DateTime<Utc>) -> String {
    format!("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", at.year(), at.month(), at.day(), at.hour(), at.minute(), at.second())
}

/// A `<time>`: "3 min ago" (or a date, when long ago), the full local date and time on hover.
#[component]
pub fn Time(at: DateTime<Utc>) -> impl IntoView {
    let millis = at.timestamp_millis();
    let text = move || Clock::now().map_or_else(|| format_time(at), |now| local::relative(millis, now));
    let title = move || Clock::now().map_or_else(|| format_time(at), |_| local::full(millis));
    view! { <time datetime=machine_time(at) title=title>{text}</time> }
}

/// How long someone has waited: "waiting 5 min", the start on hover.
#[component]
pub fn Waiting(since: DateTime<Utc>) -> impl IntoView {
    let t = &crate::i18n::t().chat;
    let millis = since.timestamp_millis();
    let text = move || match Clock::now() {
        Some(now) => (t.waiting)(&waited(t, (now - millis).max(0))),
        None => (t.waiting_since)(&format_time(since)),
    };
    let title = move || Clock::now().map_or_else(|| format_time(since), |_| local::full(millis));
    view! { <time class="waiting" datetime=machine_time(since) title=title>{text}</time> }
}

fn waited(t: &ChatTexts, ms: i64) -> String {
    const MINUTE: i64 = 60_000;
    match ms / MINUTE {
        0 => t.under_a_minute.to_owned(),
        minutes @ 1..=59 => (t.minutes)(minutes),
        minutes if minutes < 48 * 60 => (t.hours)(minutes / 60),
        minutes => (t.days)(minutes / (24 * 60)),
    }
}

/// The calendar day of a time, as a number (yyyymmdd): the viewer's day once the clock runs,
/// the UTC day before.
pub fn day_of(at: DateTime<Utc>) -> i64 {
    match Clock::now() {
        Some(_) => local::day(at.timestamp_millis()),
        None => i64::from(at.year()) * 10_000 + i64::from(at.month()) * 100 + i64::from(at.day()),
    }
}

/// "Today", "Yesterday", or the date, for a day from `day_of`.
pub fn day_label(day: i64) -> String {
    match Clock::now() {
        Some(now) => local::day_label(day, now),
        None => format!("{:04}-{:02}-{:02}", day / 10_000, day / 100 % 100, day % 100),
    }
}

#[cfg(feature = "hydrate")]
mod local {
    use js_sys::{Array, Date, Intl, Object, Reflect};
    use wasm_bindgen::JsValue;

    /// The language times are written in: the page's.
    fn language() -> String {
        leptos::prelude::document()
            .document_element()
            .and_then(|root| root.get_attribute("lang"))
            .filter(|lang| !lang.is_empty())
            .unwrap_or_else(|| "en".to_owned())
    }

    const MINUTE: i64 = 60_000;
    const HOUR: i64 = 60 * MINUTE;
    const DAY: i64 = 24 * HOUR;

    fn options(pairs: &[(&str, &str)]) -> Object {
        let options = Object::new();
        for (key, value) in pairs {
            let _ = Reflect::set(&options, &JsValue::from_str(key), &JsValue::from_str(value));
        }
        options
    }

    fn relative_format() -> Intl::RelativeTimeFormat {
        let locales = Array::of1(&JsValue::from_str(&language()));
        Intl::RelativeTimeFormat::new(&locales, &options(&[("numeric", "auto"), ("style", "short")]))
    }

    fn date(millis: i64) -> Date {
        Date::new(&JsValue::from_f64(millis as f64))
    }

    pub fn relative(millis: i64, now: i64) -> String {
        let ago = (now - millis).max(0);
        let format = relative_format();
        let text = if ago < MINUTE {
            format.format(0.0, "second")
        } else if ago < HOUR {
            format.format(-((ago / MINUTE) as f64), "minute")
        } else if ago < 12 * HOUR {
            format.format(-((ago / HOUR) as f64), "hour")
        } else {
            let same_year = date(millis).get_full_year() == date(now).get_full_year();
            let mut parts = vec![("month", "short"), ("day", "numeric"), ("hour", "numeric"), ("minute", "2-digit")];
            if !same_year {
                parts.push(("year", "numeric"));
            }
            return date(millis).to_locale_string(&language(), &options(&parts)).into();
        };
        text.into()
    }

    pub fn full(millis: i64) -> String {
        let parts = [("dateStyle", "full"), ("timeStyle", "short")];
        date(millis).to_locale_string(&language(), &options(&parts)).into()
    }

    pub fn day(millis: i64) -> i64 {
        let d = date(millis);
        i64::from(d.get_full_year()) * 10_000 + i64::from(d.get_month() + 1) * 100 + i64::from(d.get_date())
    }

    pub fn day_label(day: i64, now: i64) -> String {
        let noon = Date::new_with_year_month_day_hr_min((day / 10_000) as u32, (day / 100 % 100 - 1) as i32, (day % 100) as i32, 12, 0);
        let days_ago = (now - noon.get_time() as i64 + 12 * HOUR).div_euclid(DAY);
        if (0..=1).contains(&days_ago) {
            // "Today", not "today": the first letter in capitals by JavaScript (Rust's Unicode case
            // tables would add about 10 KB to the bundle).
            let text = relative_format().format(-(days_ago as f64), "day");
            return text.substring(0, 1).to_upper_case().concat(&text.substring(1, text.length())).into();
        }
        let same_year = noon.get_full_year() == date(now).get_full_year();
        let mut parts = vec![("weekday", "long"), ("month", "long"), ("day", "numeric")];
        if !same_year {
            parts.push(("year", "numeric"));
        }
        noon.to_locale_date_string(&language(), &options(&parts)).into()
    }
}

/// On the server the clock never runs: these are never called.
#[cfg(not(feature = "hydrate"))]
mod local {
    pub fn relative(_: i64, _: i64) -> String {
        String::new()
    }
    pub fn full(_: i64) -> String {
        String::new()
    }
    pub fn day(_: i64) -> i64 {
        0
    }
    pub fn day_label(_: i64, _: i64) -> String {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn server_text_is_absolute_utc_and_waits_read_as_durations() {
        let at = Utc.with_ymd_and_hms(2026, 3, 4, 5, 6, 7).unwrap();
        assert_eq!(format_time(at), "2026-03-04 05:06 UTC");
        assert_eq!(machine_time(at), "2026-03-04T05:06:07Z");
        // Outside a page (no clock): the UTC day, and its label.
        assert_eq!(day_of(at), 20260304);
        assert_eq!(day_label(20260304), "2026-03-04");
        let minute = 60_000;
        let (english, spanish) = (&Lang::En.texts().chat, &Lang::Es.texts().chat);
        assert_eq!(waited(english, 30_000), "under a minute");
        assert_eq!(waited(english, 5 * minute), "5 min");
        assert_eq!(waited(english, 90 * minute), "1 h");
        assert_eq!(waited(english, 72 * 60 * minute), "3 days");
        assert_eq!(waited(spanish, 30_000), "menos de un minuto");
        assert_eq!(waited(spanish, 72 * 60 * minute), "3 días");
    }
}
