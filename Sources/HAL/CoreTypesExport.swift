// The shared value types (time, MAC addresses, frame layout) live in the dependency-free `CoreTypes`
// target so pure codecs can use them without linking the HAL's C shims; every HAL user sees them too.
@_exported import CoreTypes
