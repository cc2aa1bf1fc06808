"""Which quantity a question asks for, and whether a sentence states it with its unit (issue 20)."""

from __future__ import annotations

from tools.literature.quantities import asked_quantities, points_elsewhere, states_asked_quantity


def test_a_yield_question_asks_for_a_percentage() -> None:
    assert "percentage" in asked_quantities("What furfural yields were obtained from bagasse?")


def test_kinds_of_quantity_are_read_from_the_question() -> None:
    assert "temperature" in asked_quantities("At what temperature was the furfural distilled?")
    assert "size" in asked_quantities("What particle diameter did TEM show?")
    assert "energy" in asked_quantities("What band gap does the PEDOT have?")
    assert "count" in asked_quantities("How many lamps did the photoreactor have?")
    assert "concentration" in asked_quantities("What concentration of sulfuric acid was used?")
    assert asked_quantities("Summarise the extraction of furfural from bagasse.") == set()


def test_the_sentence_with_the_number_and_unit_carries_the_yield() -> None:
    kinds = asked_quantities("What furfural yields were obtained from bagasse?")

    assert states_asked_quantity("The yield ranged from 7.5% to 10%, with Sample B producing the most.", kinds)
    assert not states_asked_quantity("Furfural yields from all four bagasse samples are shown in Figure 4.6.", kinds)


def test_a_levulinic_acid_yield_in_mol_percent_counts() -> None:
    kinds = asked_quantities("What was the best yield of levulinic acid?")

    assert states_asked_quantity("The best levulinic acid yield, 41.2 mol%, was obtained at 160 °C.", kinds)


def test_a_temperature_is_not_a_yield() -> None:
    kinds = asked_quantities("At what temperature was the furfural distilled?")

    assert states_asked_quantity("The furfural layer was distilled at 110°C.", kinds)
    assert not states_asked_quantity("The yield of furfural was 10%.", kinds)


def test_a_sentence_that_points_to_a_figure_for_its_numbers() -> None:
    assert points_elsewhere("Furfural yields from all four bagasse samples are shown in Figure 4.6.")
    assert not points_elsewhere("As shown in Figure 2, the yield reached 41.2 mol%.")
