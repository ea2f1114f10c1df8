//! `--monotone` by feature name ("Credit Score:-1,Annual Income:1"), turned
//! into gbdt-core's positional form once the training features are known.
//! The positional forms ("(1,0,-1)", "1,0,-1") pass through unchanged.

/// True when the value names features (`NAME:DIRECTION` items).
pub fn is_by_name(text: &str) -> bool {
    text.contains(':')
}

/// The `(name, direction)` items of a by-name value, or what is wrong.
pub fn parse(text: &str) -> Result<Vec<(&str, i8)>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            let (name, dir) = item.rsplit_once(':').ok_or_else(|| {
                format!("'{item}' is not NAME:DIRECTION (e.g. 'Credit Score:-1')")
            })?;
            let dir = match dir.trim() {
                "1" | "+1" => 1,
                "-1" => -1,
                "0" => 0,
                other => return Err(format!(
                    "the direction of '{}' is '{other}'; use 1 (increasing), -1 (decreasing) or 0",
                    name.trim()
                )),
            };
            Ok((name.trim(), dir))
        })
        .collect()
}

/// The positional form (one direction per feature, in training order) of
/// a by-name value. Unknown and repeated names are errors that name them.
pub fn resolve(text: &str, features: &[String]) -> Result<String, String> {
    let mut dirs = vec![0i8; features.len()];
    let mut seen = vec![false; features.len()];
    for (name, dir) in parse(text)? {
        let Some(i) = features.iter().position(|f| f == name) else {
            return Err(format!(
                "no training feature is named '{name}'; the features are: {}",
                features.join(", ")
            ));
        };
        if std::mem::replace(&mut seen[i], true) {
            return Err(format!("feature '{name}' is given twice"));
        }
        dirs[i] = dir;
    }
    let list: Vec<String> = dirs.iter().map(i8::to_string).collect();
    Ok(format!("({})", list.join(",")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        ["Credit Score", "Annual Income", "Tax Liens"]
            .map(String::from)
            .to_vec()
    }

    #[test]
    fn names_become_positions() {
        assert!(is_by_name("Credit Score:-1") && !is_by_name("(1,0,-1)"));
        let got = resolve("Tax Liens:+1, Credit Score:-1", &names()).unwrap();
        assert_eq!(got, "(-1,0,1)");
        assert_eq!(resolve("Annual Income:0", &names()).unwrap(), "(0,0,0)");
    }

    #[test]
    fn bad_items_are_named() {
        assert_eq!(
            resolve("Credit Scor:-1", &names()).unwrap_err(),
            "no training feature is named 'Credit Scor'; the features are: Credit Score, Annual Income, Tax Liens"
        );
        assert_eq!(
            resolve("Tax Liens:1,Tax Liens:-1", &names()).unwrap_err(),
            "feature 'Tax Liens' is given twice"
        );
        assert_eq!(
            parse("Tax Liens:up").unwrap_err(),
            "the direction of 'Tax Liens' is 'up'; use 1 (increasing), -1 (decreasing) or 0"
        );
        assert!(parse("Tax Liens:1,Credit Score")
            .unwrap_err()
            .contains("NAME:DIRECTION"));
    }
}
