//! How a tree grows: depth-wise or loss-guide.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// How a tree grows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum GrowPolicy {
    /// Split every node of a level before the next level (XGBoost's default).
    #[default]
    #[serde(rename = "depthwise")]
    DepthWise,
    /// Always split the leaf with the largest gain next (LightGBM's leaf-wise).
    #[serde(rename = "lossguide")]
    LossGuide,
}

impl std::str::FromStr for GrowPolicy {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "depthwise" | "depth-wise" | "depth" => Ok(GrowPolicy::DepthWise),
            "lossguide" | "loss-guide" | "leafwise" | "leaf-wise" | "leaf" => {
                Ok(GrowPolicy::LossGuide)
            }
            _ => Err(Error::UnknownName {
                kind: "grow policy",
                name: s.to_string(),
                known: "depthwise, lossguide (alias leafwise)".to_string(),
            }),
        }
    }
}

impl std::fmt::Display for GrowPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            GrowPolicy::DepthWise => "depthwise",
            GrowPolicy::LossGuide => "lossguide",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grow_policy_names() {
        assert_eq!(
            "leafwise".parse::<GrowPolicy>().unwrap(),
            GrowPolicy::LossGuide
        );
        assert_eq!(
            "depthwise".parse::<GrowPolicy>().unwrap(),
            GrowPolicy::DepthWise
        );
        assert!("sideways".parse::<GrowPolicy>().is_err());
    }

    #[test]
    fn display_reads_back() {
        for g in [GrowPolicy::DepthWise, GrowPolicy::LossGuide] {
            assert_eq!(g.to_string().parse::<GrowPolicy>().unwrap(), g);
        }
    }
}
