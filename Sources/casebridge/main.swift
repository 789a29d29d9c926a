print("casebridge")
