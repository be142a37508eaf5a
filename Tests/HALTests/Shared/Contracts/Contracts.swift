// Shared HAL contracts
//
// Each file here states what every implementation of one HAL protocol must do, as functions over a small
// harness protocol (the device under test plus whatever plays the other side). They depend only on `HAL`
// and Swift Testing, because the same files are compiled into two test targets:
//
// - `HALTests` runs them against the simulated twins and, where this host can, the Linux implementations
//   (`Tests/HALTests/Conformance/*Conformance.swift`);
// - `HILTests` runs them against the Linux implementations on real kernel drivers inside the HIL VM
//   (`Tests/HILTests/Shared` is a symlink to the folder above, which also holds `Readiness` and
//   `SeamFakes`).
