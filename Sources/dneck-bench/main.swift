print("dneck-bench")
