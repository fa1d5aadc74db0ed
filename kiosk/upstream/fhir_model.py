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
from typing import Any, Generic, TypeVar, Union, cast

import msgspec

Struct = msgspec.Struct


class Coding(Struct, frozen=True):
    """Frozen, hence hashable: the reader remembers what a coding means (a sync sees a
    handful of codes hundreds of thousands of times)."""

    system: str | None = None
    code: str | None = None
    display: str | None = None


class Concept(Struct):
    coding: list[Coding] | None = None
    text: str | None = None


class Ref(Struct, frozen=True):
    """Frozen, hence hashable: the reader remembers the patient and the names a
    reference gives (the same few hundred organisations and doctors over a sync)."""

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

#: How ``Attachment.data`` is decoded: ``bytes`` (strict base64, in C, as the page is
#: decoded) for the typed page, ``msgspec.Raw`` (the JSON string as sent, decoded by the
#: reader) for a resource decoded alone. So the usual page costs one pass, and a page
#: whose base64 has MIME line breaks (or is bad) is read again entry by entry, where
#: the reader accepts the line breaks and rejects bad base64 with its own reason.
D = TypeVar("D")


#: How a report's ``contained`` is decoded: ``msgspec.Raw`` (each one decoded when a
#: ``#id`` names it) for a resource decoded alone, ``InPageContained`` (at once, in C)
#: on a typed page. A page whose reports contain anything else is read entry by entry.
C = TypeVar("C")


class Attachment(Struct, Generic[D]):
    contentType: str | None = None
    #: See ``D``; ``NO_DATA`` (or JSON ``null`` as ``Raw``) when absent.
    data: D = cast(Any, NO_DATA)
    url: str | None = None
    title: str | None = None
    size: int | None = None


class Content(Struct, Generic[D]):
    attachment: Attachment[D] | None = None


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


class DocumentReference(Resource, Generic[D], tag_field="resourceType",
                        tag="DocumentReference", kw_only=True):
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
    content: list[Content[D]] | None = None


class DiagnosticReport(Resource, Generic[D, C], tag_field="resourceType",
                       tag="DiagnosticReport", kw_only=True):
    #: See ``C``: the Observations of a lab report are usually contained.
    contained: list[C] | None = None
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
    presentedForm: list[Attachment[D]] | None = None


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
    #: Read by the same base64 reader as an attachment's data (``fhir_content.read_base64``).
    data: msgspec.Raw = NO_DATA


class Organization(Resource, tag_field="resourceType", tag="Organization", kw_only=True):
    name: str | None = None


class Practitioner(Resource, tag_field="resourceType", tag="Practitioner", kw_only=True):
    name: list[HumanName] | None = None


#: A resource decoded alone (attachment data and a report's contained kept raw).
Known = (Patient | DocumentReference[msgspec.Raw]
         | DiagnosticReport[msgspec.Raw, msgspec.Raw] | Observation | Composition | Binary
         | Organization | Practitioner)


class Other(Struct, kw_only=True):
    """A contained resource of a type the reader never reads: only its ``id``."""

    id: str | None = None


#: What a report may reference and so contain, besides the resources read (the FHIR
#: R4 DiagnosticReport's references): a typed page still decodes in one call.
_OTHERS = tuple(
    msgspec.defstruct(name, [], bases=(Other,), tag_field="resourceType", tag=name,
                      kw_only=True, module=__name__)
    for name in ("ServiceRequest", "CarePlan", "MedicationRequest", "Group", "Device",
                 "Location", "Encounter", "PractitionerRole", "CareTeam", "Specimen",
                 "ImagingStudy", "Media"))
#: What a report on a typed page may contain (see ``C``).
InPageContained = Union[(Observation, Organization, Practitioner, Patient, *_OTHERS)]
#: A resource of a typed page (attachment data decoded as base64 at once, a report's
#: contained resources decoded with it).
KnownInPage = (Patient | DocumentReference[bytes] | DiagnosticReport[bytes, InPageContained]
               | Observation | Composition | Binary | Organization | Practitioner)


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
    resource: KnownInPage | None = None


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
