"""The seeds' facts the tests lean on, written once: a question the default answerer answers, and its document.

Its wording is the one the answer bar answers ("How much did China donate ...?" scores under it; README,
"The table's rows are at the answer bar -0.75").
"""

WHO_QUESTION = "How much has China donated to the WHO?"
WHO_SOURCE = "003_8cf9f7c4be1979b2.txt"  # "In addition, the country has donated 20 million dollars to the WHO ..."
