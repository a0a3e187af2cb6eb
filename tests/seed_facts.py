"""The seeds' facts the tests lean on, written once: a question the default answerer answers, and its document.

"How much did China donate ...?" is answered alike since the answer model meets the question's words by their stems
(``test_a_question_is_answered_whatever_the_tense_of_its_verb``); before, it scored under the bar (README, "The
table's rows are at the answer bar -0.75").
"""

WHO_QUESTION = "How much has China donated to the WHO?"
WHO_SOURCE = "003_8cf9f7c4be1979b2.txt"  # "In addition, the country has donated 20 million dollars to the WHO ..."
TRAINED_QUESTION = "How many employees were trained in Kyrgyzstan?"
KYRGYZSTAN_SOURCE = "000_1431dd1dd5b40ef7.txt"  # "Education and training has been organized for more than 15,000 employees ..."
