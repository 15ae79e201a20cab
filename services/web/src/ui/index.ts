export { Alert } from './alert';
export { Button } from './button';
export { ConfirmDialog } from './confirm-dialog';
export { Field } from './field';
export * from './format';
export { type Column, Table, type TableSort } from './table';
