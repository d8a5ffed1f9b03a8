//! A submitted form's fields as a server function's arguments, in the browser. Every argument is
//! a number, a flag, text or nothing, so serde's own map deserializer over the (name, value)
//! pairs does: leptos' `FromFormData` would bring serde_qs's whole deserializer into the bundle.

use serde::de::value::{Error, MapDeserializer, StrDeserializer};
use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};

/// The arguments a form's (name, value) pairs stand for.
pub fn from_pairs<T: DeserializeOwned>(pairs: &[(String, String)]) -> Result<T, Error> {
    T::deserialize(MapDeserializer::new(pairs.iter().map(|(name, value)| (name.as_str(), Field(value.as_str())))))
}

/// The fields of the form that `event` submits (files aside).
#[cfg(feature = "hydrate")]
pub fn submitted(event: &leptos::ev::SubmitEvent) -> Option<Vec<(String, String)>> {
    use leptos::wasm_bindgen::JsCast;
    let form = event.target()?.dyn_into::<leptos::web_sys::HtmlFormElement>().ok()?;
    let data = leptos::web_sys::FormData::new_with_form(&form).ok()?;
    let mut pairs = Vec::new();
    for entry in js_sys::try_iter(&data).ok()??.flatten() {
        let entry = js_sys::Array::from(&entry);
        if let (Some(name), Some(value)) = (entry.get(0).as_string(), entry.get(1).as_string()) {
            pairs.push((name, value));
        }
    }
    Some(pairs)
}

/// One field's text, read as the argument's type asks: an empty value is no value.
struct Field<'a>(&'a str);

impl<'de, 'a> IntoDeserializer<'de, Error> for Field<'a> {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

impl<'a> Field<'a> {
    fn parse<T: std::str::FromStr>(&self) -> Result<T, Error> {
        self.0.trim().parse().map_err(|_| de::Error::custom(format!("not a valid value: {}", self.0)))
    }
}

macro_rules! parsed {
    ($($method:ident => $visit:ident),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            visitor.$visit(self.parse()?)
        }
    )*};
}

impl<'de, 'a> de::Deserializer<'de> for Field<'a> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_str(self.0)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.0.is_empty() { visitor.visit_none() } else { visitor.visit_some(self) }
    }

    fn deserialize_enum<V: Visitor<'de>>(self, _: &'static str, _: &'static [&'static str], visitor: V) -> Result<V::Value, Error> {
        visitor.visit_enum(StrDeserializer::<Error>::new(self.0))
    }

    parsed! {
        deserialize_bool => visit_bool,
        deserialize_i8 => visit_i8, deserialize_i16 => visit_i16, deserialize_i32 => visit_i32, deserialize_i64 => visit_i64,
        deserialize_u8 => visit_u8, deserialize_u16 => visit_u16, deserialize_u32 => visit_u32, deserialize_u64 => visit_u64,
        deserialize_f32 => visit_f32, deserialize_f64 => visit_f64,
    }

    serde::forward_to_deserialize_any! {
        i128 u128 char str string bytes byte_buf unit unit_struct newtype_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::from_pairs;

    #[derive(Debug, serde::Deserialize, PartialEq)]
    #[serde(rename_all = "snake_case")]
    enum Direction {
        Up,
        Down,
    }

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Args {
        id: i64,
        note: Option<String>,
        agent: Option<i64>,
        active: bool,
        direction: Direction,
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn fields_become_arguments() {
        let args: Args = from_pairs(&pairs(&[("id", "4"), ("note", "hi there"), ("agent", ""), ("active", "true"), ("direction", "down")])).unwrap();
        assert_eq!(args, Args { id: 4, note: Some("hi there".into()), agent: None, active: true, direction: Direction::Down });
        let args: Args = from_pairs(&pairs(&[("active", "false"), ("id", "-2"), ("direction", "up"), ("agent", "7")])).unwrap();
        assert_eq!(args, Args { id: -2, note: None, agent: Some(7), active: false, direction: Direction::Up });
    }

    #[test]
    fn bad_fields_are_refused() {
        assert!(from_pairs::<Args>(&pairs(&[("id", "x"), ("active", "true"), ("direction", "up")])).is_err());
        assert!(from_pairs::<Args>(&pairs(&[("id", "1"), ("active", "true"), ("direction", "sideways")])).is_err());
        assert!(from_pairs::<Args>(&pairs(&[("active", "true"), ("direction", "up")])).is_err());
    }
}
