//! Duplicate keys in JSON: `serde_json` keeps the last copy of a key where another reader
//! keeps the first, so a file read strictly (a saved plan) is scanned for them first.

/// The first key that appears twice in one object anywhere in `text` (JSON), if any:
/// `serde_json` keeps the last copy where another reader keeps the first.
pub fn duplicate_key(text: &str) -> Option<String> {
    use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
    use std::cell::RefCell;
    struct Scan<'a>(&'a RefCell<Option<String>>);
    impl<'de> serde::de::DeserializeSeed<'de> for Scan<'_> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }
    impl<'de> Visitor<'de> for Scan<'_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("JSON")
        }
        fn visit_bool<E>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
        fn visit_str<E>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            while seq.next_element_seed(Scan(self.0))?.is_some() {}
            Ok(())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            let mut keys = std::collections::BTreeSet::new();
            while let Some(key) = map.next_key::<String>()? {
                if !keys.insert(key.clone()) && self.0.borrow().is_none() {
                    *self.0.borrow_mut() = Some(key);
                }
                map.next_value_seed(Scan(self.0))?;
            }
            Ok(())
        }
    }
    let found = RefCell::new(None);
    let mut d = serde_json::Deserializer::from_str(text);
    serde::de::DeserializeSeed::deserialize(Scan(&found), &mut d).ok()?;
    found.into_inner()
}
