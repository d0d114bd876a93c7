//! Data on stdout, for people and for scripts: a table on a terminal, JSON
//! when piped or asked for, one JSON object a line for streams, CSV for
//! listings. Everything else (progress, hints, warnings) goes to stderr.
//! A reader that goes away (`xms batches list --all | head`) ends the
//! command quietly with exit 0.

use std::io::{IsTerminal, Write};

use comfy_table::{Table, presets};
use serde::Serialize;
use serde_json::Value;

use crate::{
    args::{Format, Global},
    exit::{FAILURE, Failure},
};

/// Write to stdout; a closed reader ends the process with exit 0.
pub fn write_stdout(bytes: &[u8]) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => Err(Failure::new(FAILURE, format!("cannot write the output: {e}"))),
    }
}

/// Whether stdout is a terminal (a person reads it).
pub fn stdout_is_terminal() -> bool {
    std::io::stdout().is_terminal()
}

/// A column of a listing: its header and the field of the item's JSON.
pub type Column = (&'static str, &'static str);

/// How this run prints data.
#[derive(Clone, Copy, Debug)]
pub struct Output {
    pub format: Format,
}

impl Output {
    /// `-o`, else a table on a terminal and JSON otherwise.
    pub fn new(global: &Global) -> Self {
        let format = global.output.unwrap_or(if stdout_is_terminal() {
            Format::Table
        } else {
            Format::Json
        });
        Output { format }
    }

    /// For streams that never end on their own (`inbounds tail`, `listen`):
    /// JSON becomes one object a line.
    pub fn streaming(self) -> Self {
        match self.format {
            Format::Json => Output { format: Format::Jsonl },
            _ => self,
        }
    }

    /// One object: as JSON, or a table of its fields.
    pub fn one(&self, item: &impl Serialize) -> Result<(), Failure> {
        let value = to_value(item)?;
        match self.format {
            // Serialized straight from the item: its fields in their order.
            Format::Json => write_stdout(format!("{}\n", json(item, true)?).as_bytes()),
            Format::Jsonl => write_stdout(format!("{}\n", json(item, false)?).as_bytes()),
            Format::Table | Format::Csv => {
                if !value.is_object() {
                    return write_stdout(format!("{}\n", cell(&value, true)).as_bytes());
                }
                // The fields in the order the type declares them.
                let fields = ordered_fields(item)?;
                if self.format == Format::Csv {
                    let columns = fields.iter().map(|(k, _)| (k.clone(), k.clone())).collect();
                    let mut listing = self.listing_of(columns);
                    listing.push_value(&value)?;
                    return listing.finish();
                }
                let mut table = table();
                for (key, field) in &fields {
                    if !field.is_null() {
                        table.add_row(vec![key.clone(), cell(field, false)]);
                    }
                }
                write_stdout(format!("{table}\n").as_bytes())
            }
        }
    }

    /// A listing, printed as its items come.
    pub fn listing(&self, columns: &[Column]) -> Listing {
        self.listing_of(columns.iter().map(|(h, f)| (h.to_string(), f.to_string())).collect())
    }

    fn listing_of(&self, columns: Vec<(String, String)>) -> Listing {
        Listing { format: self.format, columns, count: 0, table: None }
    }

    /// A list of strings (members, tags), under one header.
    pub fn strings(&self, header: &'static str, items: &[String]) -> Result<(), Failure> {
        match self.format {
            Format::Json => write_stdout(format!("{}\n", pretty(&to_value(&items)?)).as_bytes()),
            _ => {
                let mut listing = self.listing_of(vec![(header.to_string(), String::new())]);
                for item in items {
                    listing.push_value(&Value::String(item.clone()))?;
                }
                listing.finish()
            }
        }
    }
}

/// A listing under way.
pub struct Listing {
    format: Format,
    columns: Vec<(String, String)>,
    count: u64,
    table: Option<Table>,
}

impl Listing {
    pub fn push(&mut self, item: &impl Serialize) -> Result<(), Failure> {
        match self.format {
            Format::Json | Format::Jsonl => {
                self.push_json(&json(item, self.format == Format::Json)?)
            }
            Format::Table | Format::Csv => self.push_value(&to_value(item)?),
        }
    }

    fn push_json(&mut self, text: &str) -> Result<(), Failure> {
        let first = self.count == 0;
        self.count += 1;
        if self.format == Format::Jsonl {
            return write_stdout(format!("{text}\n").as_bytes());
        }
        let indented = text.replace('\n', "\n  ");
        let lead = if first { "[\n  " } else { ",\n  " };
        write_stdout(format!("{lead}{indented}").as_bytes())
    }

    fn cells(&self, value: &Value, full: bool) -> Vec<String> {
        self.columns
            .iter()
            .map(|(_, field)| {
                let field = if field.is_empty() { value } else { &value[field.as_str()] };
                cell(field, full)
            })
            .collect()
    }

    pub fn push_value(&mut self, value: &Value) -> Result<(), Failure> {
        if matches!(self.format, Format::Json | Format::Jsonl) {
            return self.push_json(&json(value, self.format == Format::Json)?);
        }
        let first = self.count == 0;
        self.count += 1;
        match self.format {
            Format::Json | Format::Jsonl => Ok(()),
            Format::Csv => {
                let mut writer = csv::WriterBuilder::new().from_writer(Vec::new());
                if first {
                    let _ = writer.write_record(self.columns.iter().map(|(h, _)| h.as_str()));
                }
                let _ = writer.write_record(self.cells(value, true));
                let bytes = writer.into_inner().unwrap_or_default();
                write_stdout(&bytes)
            }
            Format::Table => {
                let cells = self.cells(value, false);
                let columns = &self.columns;
                let table = self.table.get_or_insert_with(|| {
                    let mut table = table();
                    table.set_header(columns.iter().map(|(h, _)| h.to_uppercase()));
                    table
                });
                table.add_row(cells);
                Ok(())
            }
        }
    }

    /// Close the listing: the JSON array's end, the table.
    pub fn finish(self) -> Result<(), Failure> {
        match self.format {
            Format::Json if self.count == 0 => write_stdout(b"[]\n"),
            Format::Json => write_stdout(b"\n]\n"),
            Format::Table => match self.table {
                Some(table) => write_stdout(format!("{table}\n").as_bytes()),
                None => {
                    eprintln!("(nothing)");
                    Ok(())
                }
            },
            Format::Jsonl | Format::Csv => Ok(()),
        }
    }
}

/// An object's fields in the order it serializes them (`serde_json`'s map
/// sorts its keys).
pub fn ordered_fields(item: &impl Serialize) -> Result<Vec<(String, Value)>, Failure> {
    struct Fields(Vec<(String, Value)>);
    impl<'de> serde::Deserialize<'de> for Fields {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct Visit;
            impl<'de> serde::de::Visitor<'de> for Visit {
                type Value = Fields;
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("an object")
                }
                fn visit_map<A: serde::de::MapAccess<'de>>(
                    self,
                    mut map: A,
                ) -> Result<Fields, A::Error> {
                    let mut fields = Vec::new();
                    while let Some(entry) = map.next_entry::<String, Value>()? {
                        fields.push(entry);
                    }
                    Ok(Fields(fields))
                }
            }
            d.deserialize_map(Visit)
        }
    }
    let text = serde_json::to_string(item)
        .map_err(|e| Failure::new(FAILURE, format!("cannot print the answer: {e}")))?;
    serde_json::from_str::<Fields>(&text)
        .map(|f| f.0)
        .map_err(|e| Failure::new(FAILURE, format!("cannot print the answer: {e}")))
}

fn table() -> Table {
    let mut table = Table::new();
    table.load_style(presets::NOTHING);
    table
}

/// JSON text of an item, its fields in the order it serializes them.
fn json(item: &impl Serialize, pretty: bool) -> Result<String, Failure> {
    let text =
        if pretty { serde_json::to_string_pretty(item) } else { serde_json::to_string(item) };
    text.map_err(|e| Failure::new(FAILURE, format!("cannot print the answer: {e}")))
}

fn to_value(item: &impl Serialize) -> Result<Value, Failure> {
    serde_json::to_value(item)
        .map_err(|e| Failure::new(FAILURE, format!("cannot print the answer: {e}")))
}

pub fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

/// A JSON value as one cell: strings as they are, lists joined, objects as
/// JSON; shortened for a table, whole for CSV.
pub fn cell(value: &Value, full: bool) -> String {
    let text = match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) if !full && items.len() > 3 => {
            let shown: Vec<String> = items.iter().take(2).map(|v| cell(v, true)).collect();
            format!("{} (+{} more)", shown.join(", "), items.len() - 2)
        }
        Value::Array(items) => items
            .iter()
            .map(|v| cell(v, true))
            .collect::<Vec<_>>()
            .join(if full { " " } else { ", " }),
        Value::Object(_) => value.to_string(),
        other => other.to_string(),
    };
    if full {
        return text;
    }
    // One line per row on a terminal.
    let line = text.replace(['\n', '\r'], " ");
    const MAX: usize = 64;
    if line.chars().count() > MAX {
        let cut: String = line.chars().take(MAX - 1).collect();
        format!("{cut}…")
    } else {
        line
    }
}
