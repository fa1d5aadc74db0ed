"""The FHIR R4 shapes the kiosk reads, as msgspec structs (decoded in C).

Only the fields the kiosk uses are declared; everything else in a resource is skipped
by the decoder without building it. A field of the wrong JSON type makes that one
resource fail to decode, with msgspec's message naming the field (``Expected `str`,
got `int` - at `$.status```): the record is rejected on its own with that reason
(R-SYNC-4). Numbers of lab values decode as ``Decimal`` from their JSON text, so
``4.50`` stays ``4.50`` and a 20-digit value is exact.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec

Struct = msgspec.Struct


class Coding(Struct):
    system: str | None = None
    code: str | None = None
    display: str | None = None


class Concept(Struct):
    coding: list[Coding] | None = None
    text: str | None = None


class Ref(Struct):
    reference: str | None = None
    display: str | None = None


class Meta(Struct):
    versionId: str | None = None
    lastUpdated: str | None = None
    source: str | None = None


class Narrative(Struct):
    status: str | None = None
    div: str | None = None


#: ``Attachment.data`` when the attachment has none (a ``Raw`` cannot be optional).
NO_DATA = msgspec.Raw(b"")


class Attachment(Struct):
    contentType: str | None = None
    #: The base64 JSON string as sent, decoded by the reader: in C when it is strict
    #: base64 (3× faster than ``binascii`` on a str), as text when it has MIME line
    #: breaks; bad base64 rejects the record with its own reason rather than failing
    #: the whole resource's decode. ``NO_DATA`` (or JSON ``null``) when absent.
    data: msgspec.Raw = NO_DATA
    url: str | None = None
    title: str | None = None
    size: int | None = None


class Content(Struct):
    attachment: Attachment | None = None


class Identifier(Struct):
    system: str | None = None
    value: str | None = None


class Period(Struct):
    start: str | None = None
    end: str | None = None


class RelatesTo(Struct):
    code: str | None = None
    target: Ref | None = None


class HumanName(Struct):
    use: str | None = None
    text: str | None = None
    family: str | None = None
    given: list[str] | None = None


class Quantity(Struct):
    value: Decimal | None = None
    comparator: str | None = None
    unit: str | None = None
    code: str | None = None


class Range(Struct):
    low: Quantity | None = None
    high: Quantity | None = None


class Ratio(Struct):
    numerator: Quantity | None = None
    denominator: Quantity | None = None


class ReferenceRange(Struct):
    low: Quantity | None = None
    high: Quantity | None = None
    text: str | None = None


class Component(Struct, kw_only=True):
    code: Concept | None = None
    valueQuantity: Quantity | None = None
    valueCodeableConcept: Concept | None = None
    valueString: str | None = None
    valueBoolean: bool | None = None
    valueInteger: int | None = None
    valueRange: Range | None = None
    valueRatio: Ratio | None = None
    valueDateTime: str | None = None
    valueTime: str | None = None
    dataAbsentReason: Concept | None = None
    interpretation: list[Concept] | None = None
    referenceRange: list[ReferenceRange] | None = None


class Resource(Struct, kw_only=True):
    """Fields shared by the resources read."""

    id: str | None = None
    meta: Meta | None = None
    text: Narrative | None = None
    contained: list[msgspec.Raw] | None = None
    identifier: list[Identifier] | None = None


class Single(Struct, kw_only=True):
    """Fields shared by the resources whose ``identifier`` is a single one (0..1)."""

    id: str | None = None
    meta: Meta | None = None
    text: Narrative | None = None
    contained: list[msgspec.Raw] | None = None
    identifier: Identifier | None = None


class Patient(Resource, tag_field="resourceType", tag="Patient", kw_only=True):
    name: list[HumanName] | None = None
    birthDate: str | None = None
    gender: str | None = None


class DocumentReference(Resource, tag_field="resourceType", tag="DocumentReference",
                        kw_only=True):
    status: str | None = None
    docStatus: str | None = None
    type: Concept | None = None
    category: list[Concept] | None = None
    subject: Ref | None = None
    date: str | None = None
    author: list[Ref] | None = None
    custodian: Ref | None = None
    description: str | None = None
    relatesTo: list[RelatesTo] | None = None
    content: list[Content] | None = None


class DiagnosticReport(Resource, tag_field="resourceType", tag="DiagnosticReport",
                       kw_only=True):
    status: str | None = None
    category: list[Concept] | None = None
    code: Concept | None = None
    subject: Ref | None = None
    effectiveDateTime: str | None = None
    effectivePeriod: Period | None = None
    issued: str | None = None
    performer: list[Ref] | None = None
    resultsInterpreter: list[Ref] | None = None
    result: list[Ref] | None = None
    conclusion: str | None = None
    conclusionCode: list[Concept] | None = None
    presentedForm: list[Attachment] | None = None


class Observation(Component, tag_field="resourceType", tag="Observation", kw_only=True):
    """An Observation holds a value as a component does, and the shared fields."""

    id: str | None = None
    meta: Meta | None = None
    text: Narrative | None = None
    contained: list[msgspec.Raw] | None = None
    identifier: list[Identifier] | None = None
    status: str | None = None
    category: list[Concept] | None = None
    effectiveDateTime: str | None = None
    component: list[Component] | None = None
    hasMember: list[Ref] | None = None
    note: list[dict[str, Any]] | None = None


class Section(Struct):
    title: str | None = None
    code: Concept | None = None
    text: Narrative | None = None
    section: list[Section] | None = None


class Composition(Single, tag_field="resourceType", tag="Composition", kw_only=True):
    status: str | None = None
    type: Concept | None = None
    category: list[Concept] | None = None
    subject: Ref | None = None
    date: str | None = None
    author: list[Ref] | None = None
    custodian: Ref | None = None
    title: str | None = None
    section: list[Section] | None = None


class Binary(Single, tag_field="resourceType", tag="Binary", kw_only=True):
    contentType: str | None = None
    data: str | None = None


class Organization(Resource, tag_field="resourceType", tag="Organization", kw_only=True):
    name: str | None = None


class Practitioner(Resource, tag_field="resourceType", tag="Practitioner", kw_only=True):
    name: list[HumanName] | None = None


Known = (Patient | DocumentReference | DiagnosticReport | Observation | Composition
         | Binary | Organization | Practitioner)


class Head(Struct):
    """What a rejection and the cursor need of any resource, whatever its shape."""

    resourceType: Any = None
    id: Any = None
    meta: Any = None


class Link(Struct):
    relation: str | None = None
    url: str | None = None


class Entry(Struct):
    fullUrl: str | None = None
    resource: msgspec.Raw = msgspec.Raw()


class Bundle(Struct):
    resourceType: str | None = None
    type: str | None = None
    total: int | None = None
    link: list[Link] | None = None
    entry: list[Entry] | None = None


class TypedEntry(Struct):
    fullUrl: str | None = None
    resource: Known | None = None


class TypedBundle(Struct):
    """A page whose every entry is a resource read here, decoded in one call: the usual
    case, and several times cheaper than an entry at a time."""

    resourceType: str | None = None
    type: str | None = None
    total: int | None = None
    link: list[Link] | None = None
    entry: list[TypedEntry] | None = None


known_decoder = msgspec.json.Decoder(Known)
head_decoder = msgspec.json.Decoder(Head)
bundle_decoder = msgspec.json.Decoder(Bundle)
typed_bundle_decoder = msgspec.json.Decoder(TypedBundle)
