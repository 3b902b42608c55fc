"""The hospital's other systems: HL7 v2 ADT over MLLP, and later MQTT sensors and FHIR views.

Each adapter only translates between the other system's wire format and nicu_milk's services.
"""
