//! How each field type of `Params` reads from and shows as text.

use std::str::FromStr;

use crate::error::{Error, Result};
use crate::metric::Metric;
use crate::objective::{MulticlassHessian, Objective};

use super::{GrowPolicy, ValueKind};

/// A type a parameter can have. `show` returns `None` for "unset" (a `None`
/// option or an empty list); `parse(show(v))` gives `v` back, and blank text
/// parses as unset for the types that have one.
pub(crate) trait ParamValue: Sized {
    const KIND: ValueKind;
    fn parse(name: &'static str, text: &str) -> Result<Self>;
    fn show(&self) -> Option<String>;
}

fn wrong(name: &'static str, text: &str, allowed: impl Into<String>) -> Error {
    Error::InvalidParam {
        name,
        value: text.to_string(),
        allowed: allowed.into(),
    }
}

fn number<T: FromStr>(name: &'static str, text: &str, kind: ValueKind) -> Result<T> {
    text.trim()
        .parse()
        .map_err(|_| wrong(name, text, kind.expected()))
}

/// A name out of a set: the parser's list of known names becomes the
/// allowed values of the parameter.
fn named<T: FromStr<Err = Error>>(name: &'static str, text: &str) -> Result<T> {
    text.trim().parse().map_err(|e| match e {
        Error::UnknownName { known, .. } => wrong(name, text, format!("one of {known}")),
        other => other,
    })
}

impl ParamValue for usize {
    const KIND: ValueKind = ValueKind::Count;
    fn parse(name: &'static str, text: &str) -> Result<Self> {
        number(name, text, Self::KIND)
    }
    fn show(&self) -> Option<String> {
        Some(self.to_string())
    }
}

impl ParamValue for u64 {
    const KIND: ValueKind = ValueKind::Count;
    fn parse(name: &'static str, text: &str) -> Result<Self> {
        number(name, text, Self::KIND)
    }
    fn show(&self) -> Option<String> {
        Some(self.to_string())
    }
}

impl ParamValue for f64 {
    const KIND: ValueKind = ValueKind::Number;
    fn parse(name: &'static str, text: &str) -> Result<Self> {
        number(name, text, Self::KIND)
    }
    fn show(&self) -> Option<String> {
        Some(self.to_string())
    }
}

impl ParamValue for bool {
    const KIND: ValueKind = ValueKind::Bool;
    fn parse(name: &'static str, text: &str) -> Result<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(true),
            "false" | "0" | "no" | "off" => Ok(false),
            _ => Err(wrong(name, text, Self::KIND.expected())),
        }
    }
    fn show(&self) -> Option<String> {
        Some(self.to_string())
    }
}

impl<T: ParamValue> ParamValue for Option<T> {
    const KIND: ValueKind = T::KIND;
    fn parse(name: &'static str, text: &str) -> Result<Self> {
        if text.trim().is_empty() {
            return Ok(None);
        }
        T::parse(name, text).map(Some)
    }
    fn show(&self) -> Option<String> {
        self.as_ref().and_then(T::show)
    }
}

impl ParamValue for Objective {
    const KIND: ValueKind = ValueKind::Name;
    fn parse(name: &'static str, text: &str) -> Result<Self> {
        named(name, text)
    }
    fn show(&self) -> Option<String> {
        Some(self.name().to_string())
    }
}

/// The choices named by their `FromStr`/`Display`.
macro_rules! named_choice {
    ($($t:ty),+) => {$(
        impl ParamValue for $t {
            const KIND: ValueKind = ValueKind::Name;
            fn parse(name: &'static str, text: &str) -> Result<Self> {
                named(name, text)
            }
            fn show(&self) -> Option<String> {
                Some(self.to_string())
            }
        }
    )+};
}

named_choice!(GrowPolicy, MulticlassHessian);

/// Monotone directions by feature position: XGBoost's tuple "(1,0,-1)" or
/// a plain "1,0,-1" (brackets work too); "" or "()" is the empty list. Every
/// piece must be -1, 0 or 1; an empty piece (other than a tuple's trailing
/// comma) is an error, since it would shift the features after it.
impl ParamValue for Vec<i8> {
    const KIND: ValueKind = ValueKind::Integers;
    fn parse(name: &'static str, text: &str) -> Result<Self> {
        let allowed = "-1, 0 or 1 for each feature, by position: (1,0,-1) or 1,0,-1";
        let t = text.trim();
        let inner = strip_pair(t, '(', ')')
            .or_else(|| strip_pair(t, '[', ']'))
            .unwrap_or(t)
            .trim();
        let inner = inner.strip_suffix(',').unwrap_or(inner).trim();
        if inner.is_empty() {
            return Ok(Vec::new());
        }
        inner
            .split(',')
            .map(|piece| match piece.trim().parse::<i8>() {
                Ok(v) if (-1..=1).contains(&v) => Ok(v),
                _ => Err(wrong(name, text, allowed)),
            })
            .collect()
    }
    fn show(&self) -> Option<String> {
        let items: Vec<String> = self.iter().map(i8::to_string).collect();
        (!items.is_empty()).then(|| format!("({})", items.join(",")))
    }
}

/// Whole numbers >= 1 (ranking cutoffs): "1,3,5", also in parentheses or
/// brackets; "" is the empty list.
impl ParamValue for Vec<usize> {
    const KIND: ValueKind = ValueKind::Integers;
    fn parse(name: &'static str, text: &str) -> Result<Self> {
        let t = text.trim();
        let inner = strip_pair(t, '(', ')')
            .or_else(|| strip_pair(t, '[', ']'))
            .unwrap_or(t)
            .trim();
        if inner.is_empty() {
            return Ok(Vec::new());
        }
        inner
            .split(',')
            .map(|piece| match piece.trim().parse::<usize>() {
                Ok(v) if v >= 1 => Ok(v),
                _ => Err(wrong(
                    name,
                    text,
                    "whole numbers >= 1, comma-separated: 1,3,5",
                )),
            })
            .collect()
    }
    fn show(&self) -> Option<String> {
        let items: Vec<String> = self.iter().map(usize::to_string).collect();
        (!items.is_empty()).then(|| items.join(","))
    }
}

fn strip_pair(text: &str, open: char, close: char) -> Option<&str> {
    text.strip_prefix(open)?.strip_suffix(close)
}

/// Comma-separated; empty pieces are skipped, so "" is the empty list.
impl ParamValue for Vec<Metric> {
    const KIND: ValueKind = ValueKind::Names;
    fn parse(name: &'static str, text: &str) -> Result<Self> {
        text.split(',')
            .map(str::trim)
            .filter(|piece| !piece.is_empty())
            .map(|piece| named(name, piece))
            .collect()
    }
    fn show(&self) -> Option<String> {
        let names: Vec<&str> = self.iter().map(|m| m.name()).collect();
        (!names.is_empty()).then(|| names.join(","))
    }
}

/// Numbers, comma-separated, optionally in brackets ("[0.1, 0.5]" as
/// XGBoost writes a list); "" or "[]" is the empty list. Ranges are
/// `check.rs`'s.
impl ParamValue for Vec<f64> {
    const KIND: ValueKind = ValueKind::Numbers;
    fn parse(name: &'static str, text: &str) -> Result<Self> {
        let t = text.trim();
        let inner = strip_pair(t, '[', ']').unwrap_or(t).trim();
        if inner.is_empty() {
            return Ok(Vec::new());
        }
        inner
            .split(',')
            .map(|piece| {
                number(name, piece, Self::KIND)
                    .map_err(|_| wrong(name, text, Self::KIND.expected()))
            })
            .collect()
    }
    fn show(&self) -> Option<String> {
        let items: Vec<String> = self.iter().map(f64::to_string).collect();
        (!items.is_empty()).then(|| items.join(","))
    }
}

/// Interaction sets of feature indexes, XGBoost's `[[0,1],[2,3,4]]`; "" or
/// "[]" is none. An empty set (`[[0,1],[]]`) is an error.
impl ParamValue for Vec<Vec<usize>> {
    const KIND: ValueKind = ValueKind::Sets;
    fn parse(name: &'static str, text: &str) -> Result<Self> {
        let t = text.trim();
        if t.is_empty() {
            return Ok(Vec::new());
        }
        strip_pair(t, '[', ']').and_then(parse_sets).ok_or_else(|| {
            wrong(
                name,
                text,
                "non-empty lists of feature indexes, e.g. [[0,1],[2,3,4]]",
            )
        })
    }
    fn show(&self) -> Option<String> {
        let sets: Vec<String> = self
            .iter()
            .map(|set| {
                let items: Vec<String> = set.iter().map(usize::to_string).collect();
                format!("[{}]", items.join(","))
            })
            .collect();
        (!sets.is_empty()).then(|| format!("[{}]", sets.join(",")))
    }
}

/// "[0,1],[2,3,4]" as sets; `None` when malformed or a set is empty.
fn parse_sets(inner: &str) -> Option<Vec<Vec<usize>>> {
    let mut out = Vec::new();
    let mut rest = inner.trim();
    while !rest.is_empty() {
        let body = rest.strip_prefix('[')?;
        let end = body.find(']')?;
        let set = body[..end]
            .split(',')
            .map(|piece| piece.trim().parse::<usize>().ok())
            .collect::<Option<Vec<usize>>>()?;
        out.push(set);
        rest = body[end + 1..].trim_start();
        if let Some(after) = rest.strip_prefix(',') {
            rest = after.trim_start();
            if rest.is_empty() {
                return None;
            }
        } else if !rest.is_empty() {
            return None;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_lists_parse_show_and_reject_bad_text() {
        let name = "quantile_alpha";
        let v = <Vec<f64>>::parse(name, " [0.1, 0.5,0.9] ").unwrap();
        assert_eq!(v, [0.1, 0.5, 0.9]);
        assert_eq!(v.show().as_deref(), Some("0.1,0.5,0.9"));
        assert_eq!(<Vec<f64>>::parse(name, "0.25").unwrap(), [0.25]);
        assert_eq!(<Vec<f64>>::parse(name, "").unwrap().show(), None);
        for bad in ["0.1,,0.9", "0.1;0.9", "x", "[0.1"] {
            let err = <Vec<f64>>::parse(name, bad).unwrap_err().to_string();
            assert!(
                err.contains(name) && err.contains("list of numbers"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn interaction_sets_parse_show_and_reject_bad_text() {
        let name = "interaction_constraints";
        let sets = <Vec<Vec<usize>>>::parse(name, " [[0, 1], [2,3,4]] ").unwrap();
        assert_eq!(sets, vec![vec![0, 1], vec![2, 3, 4]]);
        assert_eq!(sets.show().as_deref(), Some("[[0,1],[2,3,4]]"));
        assert_eq!(
            <Vec<Vec<usize>>>::parse(name, "[]").unwrap(),
            Vec::<Vec<usize>>::new()
        );
        assert_eq!(<Vec<Vec<usize>>>::parse(name, "").unwrap().show(), None);
        for bad in [
            "[[0,1],[]]",
            "[0,1]",
            "[[0,-1]]",
            "[[0,1],]",
            "[[0,1]][[2]]",
            "[[0,1]",
            "x",
        ] {
            let err = <Vec<Vec<usize>>>::parse(name, bad).unwrap_err().to_string();
            assert!(err.contains(name), "{bad}: {err}");
        }
    }
}
