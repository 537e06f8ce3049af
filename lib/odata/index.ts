export type { HttpMethod, HttpRequest, HttpResponse, Transport } from './transport';
export { NetworkError, headerValue, isSuccessStatus } from './transport';
export type { SystemName } from './system';
export { SYSTEM_LABELS } from './system';
export type { EdmEnumType, EdmPrimitiveType, EdmType, ODataValue, TypedValue } from './literals';
export { FO_ENUM_NAMESPACE, enumType, formatLiteral, parseLiteral, quoteString, typeName } from './literals';
export type { KeyField, KeySegmentOptions, ParsedKey, ParsedKeyPart } from './keys';
export { formatKeySegment, parseKeySegment } from './keys';
export type { ComparisonOperator, Expand, Filter, OrderBy, QueryOptions, StringFunction } from './query';
export {
	and,
	anyOf,
	buildQueryString,
	compare,
	eq,
	ge,
	gt,
	le,
	lt,
	ne,
	not,
	or,
	rawFilter,
	stringFunction,
	withQuery,
} from './query';
export type { ErrorContext, ErrorFromResponseOptions, ODataErrorDetails } from './errors';
export { ODataError, errorFromResponse, isFoBusinessFailure, isTransientStatus, redactSecrets } from './errors';
export { parseRetryAfter } from './retry-after';
export type { RetryEvent, RetryPolicy } from './retry';
export { DEFAULT_RETRY_POLICY, networkErrorCode, withRetry } from './retry';
export type { SendOptions } from './request';
export { sendRequest } from './request';
export type { ODataRecord, Page, ReadPagesOptions } from './paging';
export { readPages } from './paging';
export type {
	BatchChangeset,
	BatchItem,
	BatchNotExecutedResult,
	BatchOperation,
	BatchRequest,
	BatchResponseResult,
	BatchResult,
	BatchUrlStyle,
	DecodeBatchOptions,
	EncodeBatchOptions,
	EncodedBatch,
} from './batch';
export { decodeBatchResponse, encodeBatch, isChangeset } from './batch';
