// Placeholder until the bench tool lands in the next commit.
print("cp-helper-emulator")
