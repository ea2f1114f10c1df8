//! gbdt models as XGBoost JSON.

use gbdt_core::Model;

use crate::error::Result;

/// The model as an XGBoost JSON model file.
pub fn export_xgboost_json(_model: &Model) -> Result<Vec<u8>> {
    todo!()
}
