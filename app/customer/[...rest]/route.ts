import { NotFound } from "@/lib/errors";
import { errorResponse } from "@/lib/http/respond";

/** Unknown API paths answer in the API's JSON error shape, not with an HTML page. */
const notFound = async () => errorResponse(new NotFound("Not Found"));
export { notFound as GET, notFound as POST, notFound as PUT, notFound as PATCH, notFound as DELETE };
