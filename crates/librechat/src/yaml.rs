//! A YAML document as a tree of nodes with their byte positions: just enough structure to
//! find `endpoints.bedrock` and replace its text, and to compare documents by value.

use saphyr_parser::{Event, Parser, ScalarStyle, Span};
use serde_json::Value;

#[derive(Debug)]
pub(crate) struct Node {
    pub kind: Kind,
    /// Byte offset of the node's first character.
    pub start: usize,
    /// 0-based column, in characters.
    pub col: usize,
    /// Written in flow style (`{...}` or `[...]`).
    pub flow: bool,
}

#[derive(Debug)]
pub(crate) enum Kind {
    Scalar(String, ScalarStyle),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
    Alias,
}

#[derive(Debug)]
pub(crate) struct Entry {
    pub key: Node,
    pub value: Node,
    /// Byte offset where whatever follows this entry starts (the next key, or the end of the
    /// mapping): the entry's text lies before it.
    pub bound: usize,
}

#[derive(Debug)]
pub(crate) struct Doc {
    /// `None` for an empty document (nothing, or only comments).
    pub root: Option<Node>,
    /// Byte offset of the end of the first document's content.
    pub end: usize,
    pub documents: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub line: usize,
    pub col: usize,
    pub message: String,
}

struct Events<'a> {
    parser: Parser<'a, saphyr_parser::StrInput<'a>>,
    /// Byte offset of each character index, plus one past the end.
    byte_of: Vec<usize>,
    src: &'a str,
}

impl<'a> Events<'a> {
    fn next(&mut self) -> Result<(Event<'a>, Span), SyntaxError> {
        match self.parser.next_event() {
            Some(Ok(e)) => Ok(e),
            Some(Err(e)) => Err(SyntaxError {
                line: e.marker().line(),
                col: e.marker().col() + 1,
                message: e.info().to_string(),
            }),
            None => Err(SyntaxError {
                line: 0,
                col: 0,
                message: "unexpected end of the document".into(),
            }),
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        self.byte_of
            .get(char_index)
            .copied()
            .unwrap_or_else(|| *self.byte_of.last().unwrap_or(&0))
    }
}

pub(crate) fn parse(src: &str) -> Result<Doc, SyntaxError> {
    let mut byte_of: Vec<usize> = src.char_indices().map(|(i, _)| i).collect();
    byte_of.push(src.len());
    let mut ev = Events {
        parser: Parser::new_from_str(src),
        byte_of,
        src,
    };
    let mut root = None;
    let mut end = src.len();
    let mut documents = 0;
    loop {
        let (event, _) = ev.next()?;
        match event {
            Event::StreamStart | Event::Nothing => {}
            Event::StreamEnd => break,
            Event::DocumentStart(_) => {
                documents += 1;
                let (event, span) = ev.next()?;
                if matches!(event, Event::DocumentEnd) {
                    if documents == 1 {
                        end = ev.byte(span.start.index());
                    }
                    continue;
                }
                let node = node(&mut ev, event, span)?;
                let (_, end_span) = ev.next()?; // DocumentEnd
                if documents == 1 {
                    root = Some(node);
                    end = ev.byte(end_span.start.index());
                }
            }
            _ => {}
        }
    }
    Ok(Doc {
        root,
        end,
        documents,
    })
}

fn node<'a>(ev: &mut Events<'a>, event: Event<'a>, span: Span) -> Result<Node, SyntaxError> {
    let start = ev.byte(span.start.index());
    let col = span.start.col();
    // A collection's start event spans its anchor and tag too (`&b`, `!!map`): it is in flow
    // style when that span ends with the opening bracket.
    let token_end = ev.byte(span.end.index());
    let flow = span.end.index() > span.start.index()
        && ev.src[..token_end.min(ev.src.len())]
            .trim_end()
            .ends_with(['{', '[']);
    let kind = match event {
        Event::Scalar(value, style, _, _) => Kind::Scalar(value.into_owned(), style),
        Event::Alias(_) => Kind::Alias,
        Event::SequenceStart(_, _) => {
            let mut items = Vec::new();
            loop {
                let (e, s) = ev.next()?;
                if matches!(e, Event::SequenceEnd) {
                    break;
                }
                items.push(node(ev, e, s)?);
            }
            Kind::Seq(items)
        }
        Event::MappingStart(_, _) => {
            let mut entries: Vec<Entry> = Vec::new();
            loop {
                let (e, s) = ev.next()?;
                if matches!(e, Event::MappingEnd) {
                    if let Some(last) = entries.last_mut() {
                        last.bound = ev.byte(s.start.index());
                    }
                    break;
                }
                let key = node(ev, e, s)?;
                if let Some(last) = entries.last_mut() {
                    last.bound = key.start;
                }
                let (e, s) = ev.next()?;
                let value = node(ev, e, s)?;
                entries.push(Entry {
                    key,
                    value,
                    bound: 0,
                });
            }
            Kind::Map(entries)
        }
        other => {
            return Err(SyntaxError {
                line: span.start.line(),
                col: span.start.col() + 1,
                message: format!("unexpected YAML event {other:?}"),
            })
        }
    };
    let flow = flow && !matches!(kind, Kind::Scalar(..) | Kind::Alias);
    Ok(Node {
        kind,
        start,
        col,
        flow,
    })
}

impl Node {
    pub fn scalar(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar(s, _) => Some(s),
            _ => None,
        }
    }

    /// An empty value: a plain null (`endpoints:`, `~`, `null`) or `{}`.
    pub fn is_empty_value(&self) -> bool {
        match &self.kind {
            Kind::Scalar(s, ScalarStyle::Plain) => {
                matches!(s.as_str(), "" | "~" | "null" | "Null" | "NULL")
            }
            Kind::Map(entries) => entries.is_empty(),
            _ => false,
        }
    }

    pub fn describe(&self) -> &'static str {
        match &self.kind {
            Kind::Scalar(..) => "a scalar",
            Kind::Seq(_) => "a list",
            Kind::Map(_) => "a mapping",
            Kind::Alias => "an alias",
        }
    }

    /// The entries with key `key`.
    pub fn entries<'n>(&'n self, key: &'n str) -> impl Iterator<Item = &'n Entry> + 'n {
        let entries: &[Entry] = match &self.kind {
            Kind::Map(e) => e,
            _ => &[],
        };
        entries.iter().filter(move |e| e.key.scalar() == Some(key))
    }

    /// The value a YAML 1.2 loader (js-yaml, as LibreChat uses) would produce, near enough to
    /// compare two documents: plain scalars are typed by the core schema, others are strings.
    pub fn to_json(&self) -> Value {
        match &self.kind {
            Kind::Scalar(s, ScalarStyle::Plain) => plain_scalar(s),
            Kind::Scalar(s, _) => Value::String(s.clone()),
            Kind::Alias => Value::String("*alias".into()),
            Kind::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            Kind::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|e| {
                        let key = match e.key.to_json() {
                            Value::String(s) => s,
                            other => other.to_string(),
                        };
                        (key, e.value.to_json())
                    })
                    .collect(),
            ),
        }
    }
}

fn plain_scalar(s: &str) -> Value {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    if let Ok(i) = s.parse::<i64>() {
        return Value::from(i);
    }
    let looks_numeric = s
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'))
        && s.chars().any(|c| c.is_ascii_digit());
    if looks_numeric {
        if let Ok(f) = s.parse::<f64>() {
            return crate::section::number_json(f);
        }
    }
    Value::String(s.to_string())
}
