//! One CSV field to a typed cell: missing, number, bool or text. Numbers
//! take a fast exact path for plain decimals and fall back to the standard
//! library's parser for everything else (exponents out of range, `inf`, ...).

/// pandas' default missing-value tokens (`na_values`), matched exactly after
/// trimming spaces and tabs.
pub(crate) const MISSING_TOKENS: &[&str] = &[
    "", "NA", "N/A", "n/a", "NaN", "nan", "-NaN", "-nan", "null", "NULL", "None", "#N/A",
    "#N/A N/A", "#NA", "<NA>", "-1.#IND", "-1.#QNAN", "1.#IND", "1.#QNAN",
];

/// What one field holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Cell {
    Missing,
    Number(f64),
    Bool(bool),
    Text,
}

/// Classifies a field. `parse_number` is tried first because it is the hot path.
#[inline]
pub(crate) fn classify(field: &[u8]) -> Cell {
    if let Some(v) = parse_number(field) {
        return if v.is_nan() {
            Cell::Missing
        } else {
            Cell::Number(v)
        };
    }
    let t = trim(field);
    if is_missing_trimmed(t) {
        Cell::Missing
    } else if t.eq_ignore_ascii_case(b"true") {
        Cell::Bool(true)
    } else if t.eq_ignore_ascii_case(b"false") {
        Cell::Bool(false)
    } else {
        match slow_number(t) {
            Some(v) if v.is_nan() => Cell::Missing,
            Some(v) => Cell::Number(v),
            None => Cell::Text,
        }
    }
}

/// True for pandas' missing tokens (spaces and tabs around them ignored).
#[inline]
pub(crate) fn is_missing(field: &[u8]) -> bool {
    is_missing_trimmed(trim(field))
}

fn is_missing_trimmed(t: &[u8]) -> bool {
    t.is_empty() || (t.len() <= 8 && MISSING_TOKENS.iter().any(|m| m.as_bytes() == t))
}

fn trim(mut b: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = b {
        b = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = b {
        b = rest;
    }
    b
}

/// A number in any notation Rust accepts (exponents, `inf`, `infinity`).
pub(crate) fn parse_number_text(field: &[u8]) -> Option<f64> {
    parse_number(field).or_else(|| slow_number(trim(field)))
}

fn slow_number(t: &[u8]) -> Option<f64> {
    // Rust accepts "nan" and "infinity" but not "1_0" or "0x10"; reject a
    // leading '.' without digits after handled by the std parser itself.
    std::str::from_utf8(t).ok()?.parse::<f64>().ok()
}

const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Exact fast path (Clinger): `[+-]digits[.digits][e[+-]digits]` with at
/// most 19 digits whose mantissa fits in 53 bits and whose decimal exponent
/// is within ±22, so one multiplication or division rounds correctly.
/// Returns `None` for anything else; the caller then tries the slow path.
#[inline]
pub(crate) fn parse_number(b: &[u8]) -> Option<f64> {
    match parse_number_at(b, 0) {
        Some((v, end)) if end == b.len() => Some(v),
        _ => None,
    }
}

/// The fast-path number starting at `b[start]` and the index just after
/// it; the caller checks what follows.
#[inline(always)]
pub(crate) fn parse_number_at(b: &[u8], start: usize) -> Option<(f64, usize)> {
    let n = b.len();
    let mut i = start;
    let neg = match b.get(i)? {
        b'-' => {
            i += 1;
            true
        }
        b'+' => {
            i += 1;
            false
        }
        _ => false,
    };
    let mut mant: u64 = 0;
    let mut digits = 0usize;
    while i < n && b[i].is_ascii_digit() {
        mant = mant.wrapping_mul(10).wrapping_add((b[i] - b'0') as u64);
        digits += 1;
        i += 1;
    }
    let mut exp: i64 = 0;
    if i < n && b[i] == b'.' {
        i += 1;
        while i < n && b[i].is_ascii_digit() {
            mant = mant.wrapping_mul(10).wrapping_add((b[i] - b'0') as u64);
            digits += 1;
            exp -= 1;
            i += 1;
        }
    }
    if digits == 0 || digits > 19 {
        return None;
    }
    if i < n && (b[i] | 0x20) == b'e' {
        i += 1;
        let eneg = match b.get(i) {
            Some(b'-') => {
                i += 1;
                true
            }
            Some(b'+') => {
                i += 1;
                false
            }
            _ => false,
        };
        let first = i;
        let mut e: i64 = 0;
        while i < n && b[i].is_ascii_digit() && i - first < 6 {
            e = e * 10 + (b[i] - b'0') as i64;
            i += 1;
        }
        if i == first {
            return None;
        }
        exp += if eneg { -e } else { e };
    }
    if mant > (1u64 << 53) || !(-22..=22).contains(&exp) {
        return None;
    }
    let mut v = mant as f64;
    if exp < 0 {
        v /= POW10[(-exp) as usize];
    } else {
        v *= POW10[exp as usize];
    }
    Some((if neg { -v } else { v }, i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_path_matches_std_parser() {
        for s in [
            "0",
            "-0",
            "1",
            "+7",
            "3.25",
            "-0.000123",
            "123456789012345678",
            "1e5",
            "2.5E-3",
            "1.",
            ".5",
            "9007199254740993",
            "0.1",
            "1e22",
            "1e-22",
            "4.35",
            "12345.6789e-3",
        ] {
            let want: f64 = s.parse().unwrap();
            let got = parse_number(s.as_bytes()).or_else(|| slow_number(s.as_bytes()));
            assert_eq!(got.map(f64::to_bits), Some(want.to_bits()), "{s}");
        }
        assert_eq!(parse_number(b"1e400"), None);
        assert_eq!(parse_number_text(b"1e400"), Some(f64::INFINITY));
        assert_eq!(parse_number_text(b" 2.5 "), Some(2.5));
    }

    #[test]
    fn cells_follow_pandas_rules() {
        assert_eq!(classify(b"1.5e3"), Cell::Number(1500.0));
        assert_eq!(classify(b"-inf"), Cell::Number(f64::NEG_INFINITY));
        assert_eq!(classify(b"Infinity"), Cell::Number(f64::INFINITY));
        for m in MISSING_TOKENS {
            assert_eq!(classify(m.as_bytes()), Cell::Missing, "{m}");
        }
        assert_eq!(classify(b" NA "), Cell::Missing);
        assert_eq!(classify(b"TRUE"), Cell::Bool(true));
        assert_eq!(classify(b"fAlSe"), Cell::Bool(false));
        for t in ["1_0", "0x10", "abc", "1e", "--1", "1.2.3", "yes", "NAN!"] {
            assert_eq!(classify(t.as_bytes()), Cell::Text, "{t}");
        }
        assert_eq!(classify(&[0xff, 0xfe]), Cell::Text);
    }
}
