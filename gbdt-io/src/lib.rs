//! CSV reading, column selection, labels and model files for gbdt.
