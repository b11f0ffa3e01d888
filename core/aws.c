/* placeholder: aws */
typedef int po_placeholder_aws;
