//! `--interactions` by feature name ("[[Credit Score,Annual Income],[Tax
//! Liens,Bankruptcies]]"), turned into gbdt-core's index form (`[[0,1],[2,3]]`)
//! once the training features are known. The index form passes through
//! unchanged. Names may be quoted ("\"Credit Score\""); they cannot hold
//! commas or brackets.

/// True when some item of the value is not a whole number (it names a
/// feature).
pub fn is_by_name(text: &str) -> bool {
    let items = text.split([',', '[', ']']).map(str::trim);
    items
        .filter(|i| !i.is_empty())
        .any(|i| i.parse::<usize>().is_err())
}

/// The sets of names of a by-name value, or what is wrong.
pub fn parse(text: &str) -> Result<Vec<Vec<&str>>, String> {
    let shape = "use [[NAME,NAME],[NAME,NAME,NAME]]";
    let t = text.trim();
    let mut rest = t
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .ok_or_else(|| format!("'{t}' is not a list of sets; {shape}"))?
        .trim();
    let mut sets = Vec::new();
    while !rest.is_empty() {
        let body = rest.strip_prefix('[').ok_or_else(|| shape.to_string())?;
        let end = body.find(']').ok_or_else(|| shape.to_string())?;
        let set = body[..end]
            .split(',')
            .map(|n| n.trim().trim_matches('"').trim())
            .collect::<Vec<&str>>();
        if set.iter().any(|n| n.is_empty()) {
            return Err(format!("a set has an empty name or is empty; {shape}"));
        }
        sets.push(set);
        rest = body[end + 1..].trim_start();
        rest = match rest.strip_prefix(',') {
            Some(after) if !after.trim().is_empty() => after.trim_start(),
            None if rest.is_empty() => rest,
            _ => return Err(shape.to_string()),
        };
    }
    Ok(sets)
}

/// The index form (`[[0,1],[2,3,4]]`) of a by-name value. Unknown names
/// are errors that name them.
pub fn resolve(text: &str, features: &[String]) -> Result<String, String> {
    let mut sets = Vec::new();
    for set in parse(text)? {
        let mut indexes = Vec::new();
        for name in set {
            let Some(i) = features.iter().position(|f| f == name) else {
                return Err(format!(
                    "no training feature is named '{name}'; the features are: {}",
                    features.join(", ")
                ));
            };
            indexes.push(i.to_string());
        }
        sets.push(format!("[{}]", indexes.join(",")));
    }
    Ok(format!("[{}]", sets.join(",")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        ["Credit Score", "Annual Income", "Tax Liens", "7"]
            .map(String::from)
            .to_vec()
    }

    #[test]
    fn names_become_indexes() {
        assert!(is_by_name("[[Credit Score, Tax Liens]]"));
        assert!(!is_by_name("[[0,1],[2, 3,4]]") && !is_by_name(""));
        let got = resolve("[[Tax Liens, \"Credit Score\"], [Annual Income]]", &names());
        assert_eq!(got.unwrap(), "[[2,0],[1]]");
        // A by-name value resolves every item as a name, numbers included.
        assert_eq!(resolve("[[7,Tax Liens]]", &names()).unwrap(), "[[3,2]]");
    }

    #[test]
    fn bad_values_are_named() {
        assert_eq!(
            resolve("[[Credit Scor,Tax Liens]]", &names()).unwrap_err(),
            "no training feature is named 'Credit Scor'; the features are: \
             Credit Score, Annual Income, Tax Liens, 7"
        );
        for bad in [
            "[[A,B],[]]",
            "[[A,,B]]",
            "[A,B]",
            "[[A,B],]",
            "[[A,B]][[C]]",
            "A,B",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse("[[A, B], [C]]").unwrap(),
            vec![vec!["A", "B"], vec!["C"]]
        );
    }
}
